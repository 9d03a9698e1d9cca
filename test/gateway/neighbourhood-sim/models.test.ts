import { Battery, Weather, clearSkyIrradiance, householdLoadKw, pvPowerKw } from '../../../gateway/src/neighbourhood-sim/models';
import { neighbourhoodKeysFrom } from '../../../gateway/src/neighbourhood-sim/keys';
import { Neighbourhood } from '../../../gateway/src/neighbourhood-sim/neighbourhood';
import { SeededRandom } from '../../../gateway/src/neighbourhood-sim/random';

describe('SeededRandom', () => {
  it('replays the same sequence from the same seed and differs for another seed', () => {
    const a = new SeededRandom('s1');
    const b = new SeededRandom('s1');
    const c = new SeededRandom('s2');
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws normals with about the requested mean and deviation', () => {
    const r = new SeededRandom(7);
    const xs = Array.from({ length: 20000 }, () => r.normal(5, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(5, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('keeps integer draws within inclusive bounds', () => {
    const r = new SeededRandom('ints');
    const seen = new Set(Array.from({ length: 500 }, () => r.int(3, 5)));
    expect([...seen].sort()).toEqual([3, 4, 5]);
  });
});

describe('PV and load models', () => {
  it('has no sun at night, most at solar noon, more in summer than winter', () => {
    expect(clearSkyIrradiance(48, 172, 0)).toBe(0);
    expect(clearSkyIrradiance(48, 172, 23)).toBe(0);
    const noon = clearSkyIrradiance(48, 172, 12);
    expect(noon).toBeGreaterThan(clearSkyIrradiance(48, 172, 9));
    expect(noon).toBeGreaterThan(800);
    expect(noon).toBeLessThan(1100);
    expect(clearSkyIrradiance(48, 355, 12)).toBeLessThan(noon / 2);
  });

  it('caps PV output at its peak and never goes negative', () => {
    const pv = { peakKw: 5, performanceRatio: 0.8 };
    expect(pvPowerKw(pv, 1000, 1, 0)).toBeCloseTo(4);
    expect(pvPowerKw(pv, 1400, 1, 0.5)).toBe(5);
    expect(pvPowerKw(pv, 500, 1, -2)).toBe(0);
  });

  it('scales household load so a day sums to about annual / 365', () => {
    const profile = { annualKwh: 3650, peakShiftHours: 0 };
    let daily = 0;
    for (let minute = 0; minute < 24 * 60; minute += 5) daily += householdLoadKw(profile, minute / 60, 0) * (5 / 60);
    expect(daily).toBeGreaterThan(9);
    expect(daily).toBeLessThan(11);
    expect(householdLoadKw(profile, 19, 0)).toBeGreaterThan(householdLoadKw(profile, 3, 0));
  });

  it('keeps the cloud index within [0, 1] and the sky transmittance positive', () => {
    const weather = new Weather(new SeededRandom('w'));
    for (let i = 0; i < 500; i++) {
      const cloud = weather.step();
      expect(cloud).toBeGreaterThanOrEqual(0);
      expect(cloud).toBeLessThanOrEqual(1);
      expect(weather.transmittance).toBeGreaterThan(0.2);
    }
  });
});

describe('Battery', () => {
  const spec = { capacityKwh: 10, maxPowerKw: 4, efficiency: 0.9 };

  it('charges surplus within its power limit and passes the rest on', () => {
    const battery = new Battery(spec, 0.5);
    const step = battery.apply(6, 1);
    expect(step.batteryKwh).toBe(4);
    expect(step.residualKwh).toBeCloseTo(2);
    expect(battery.stateOfCharge).toBeCloseTo(0.5 + 3.6 / 10);
  });

  it('never charges beyond capacity', () => {
    const battery = new Battery(spec, 0.95);
    const step = battery.apply(4, 1);
    expect(battery.stateOfCharge).toBeCloseTo(1);
    expect(step.residualKwh).toBeGreaterThan(3);
  });

  it('covers a deficit but keeps its reserve', () => {
    const battery = new Battery(spec, 0.3, 0.1);
    const step = battery.apply(-5, 2);
    expect(step.batteryKwh).toBeCloseTo(-2);
    expect(step.residualKwh).toBeCloseTo(-3);
    expect(battery.stateOfCharge).toBeCloseTo(0.1);
  });
});

describe('Neighbourhood', () => {
  it('is reproducible from its seed', () => {
    const a = new Neighbourhood({ seed: 42, prosumers: 30 });
    const b = new Neighbourhood({ seed: 42, prosumers: 30 });
    for (let i = 0; i < 4; i++) expect(a.step()).toEqual(b.step());
    const c = new Neighbourhood({ seed: 43, prosumers: 30 });
    expect(c.step()).not.toEqual(new Neighbourhood({ seed: 42, prosumers: 30 }).step());
  });

  it('spreads households over zones and orders consistently with the forecast', () => {
    const n = new Neighbourhood({ seed: 'z', prosumers: 120, consumers: 30, householdsPerZone: 50 });
    expect(n.households).toHaveLength(150);
    expect(n.zones).toEqual(['feeder-1', 'feeder-2', 'feeder-3']);
    for (const zone of n.zones) {
      const kinds = new Set(n.households.filter((h) => h.zone === zone).map((h) => h.kind));
      expect(kinds).toEqual(new Set(['prosumer', 'consumer']));
    }
    const noon = [n.step(), n.step(), n.step()][2];
    for (const h of noon.households) {
      if (h.household.kind === 'consumer') {
        expect(h.productionKwh).toBe(0);
        expect(h.order?.side ?? 'BUY').toBe('BUY');
      }
      if (h.order) {
        expect(h.order.quantityKwh).toBeGreaterThan(0);
        expect(h.order.side === 'SELL').toBe(h.forecastNetKwh > 0);
        expect(h.order.limitPrice).toBeGreaterThan(0);
      }
      // Energy balance at the connection: production - consumption - battery charge = net.
      expect(h.productionKwh - h.consumptionKwh - h.batteryKwh).toBeCloseTo(h.netKwh, 2);
    }
    expect(noon.households.some((h) => h.order?.side === 'SELL')).toBe(true);
    expect(noon.households.some((h) => h.order?.side === 'BUY')).toBe(true);
  });

  it('rejects a negative or fractional household count', () => {
    expect(() => new Neighbourhood({ seed: 1, prosumers: -1 })).toThrow(RangeError);
    expect(() => new Neighbourhood({ seed: 1, prosumers: 2.5 })).toThrow(RangeError);
  });
});

describe('neighbourhoodKeysFrom', () => {
  const entry = (key: string, mspId = 'UtilityMSP') => ({ key, mspId });

  it('maps roles to keys and lists prosumer identities before consumers', () => {
    const keys = neighbourhoodKeysFrom({
      'gridoperator-admin': entry('op', 'GridOperatorMSP'),
      'utility-admin': entry('ut'),
      'regulator-admin': entry('reg', 'RegulatorMSP'),
      'consumer-01': entry('c1'),
      'prosumer-02': entry('p2'),
      'prosumer-01': entry('p1'),
      'generator-1': entry('g1', 'GridOperatorMSP'),
    });
    expect(keys).toEqual({ operator: 'op', utilityAdmin: 'ut', regulator: 'reg', households: ['p1', 'p2', 'c1'] });
  });

  it('says which identity is missing', () => {
    expect(() => neighbourhoodKeysFrom({ 'utility-admin': entry('ut'), 'prosumer-01': entry('p1') })).toThrow(/gridoperator-admin/);
    expect(() => neighbourhoodKeysFrom({ 'gridoperator-admin': entry('op'), 'utility-admin': entry('ut') })).toThrow(/household/);
  });
});
