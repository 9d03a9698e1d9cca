/**
 * Reads or changes a channel's block cutting (the orderer's `BatchTimeout` and `BatchSize`) on the RUNNING native
 * network, by a channel configuration update signed by the orderer org's admin — no new network, so a settings
 * measurement (scripts/bench/fabric-settings.ts) compares block-cutting values in one run over the same ledger:
 *   npx tsx scripts/bench/block-cutting.ts [--channel energy]                         print the current values
 *   npx tsx scripts/bench/block-cutting.ts --timeout 100ms --max-count 500 --preferred-bytes 2097152
 * The network's own defaults are in network/native/config/configtx.yaml (`Orderer`), where they are explained.
 *
 * How: `peer channel fetch config` (as the orderer admin) gives the channel's last configuration block; the update
 * is computed here the way configtxlator's compute_update does for a changed value (read set: the channel and
 * `Orderer` groups at their versions; write set: the same, with the changed values at version + 1 under their
 * existing mod_policy), wrapped in an unsigned CONFIG_UPDATE envelope, and `peer channel update` signs and submits it.
 * Requires the Fabric binaries on PATH (like network:up) and the network's generated crypto material.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { protos } from '../../gateway/src/ledger/fabric/protos';

const { common, orderer } = protos;

export interface BlockCutting {
  batchTimeout: string;
  maxMessageCount: number;
  absoluteMaxBytes: number;
  preferredMaxBytes: number;
}

const ROOT = path.resolve(__dirname, '../..');
const ORDERER_ADDRESS = '127.0.0.1:7050';
const ORDERER_HOST = 'orderer.obe.local';

function networkDir(): string {
  return path.resolve(process.env.OBE_NETWORK_DIR ?? process.env.OBE_FABRIC_NETWORK_DIR ?? path.join(ROOT, 'network/native/generated'));
}

/** The peer CLI as the orderer org's admin, against the orderer (the same files network/native/lib.sh names). */
function peerCli(args: string[]): void {
  const ordererOrg = path.join(networkDir(), 'crypto/ordererOrganizations/obe.local');
  const ca = path.join(ordererOrg, `orderers/${ORDERER_HOST}/tls/ca.crt`);
  execFileSync('peer', [...args, '-o', ORDERER_ADDRESS, '--ordererTLSHostnameOverride', ORDERER_HOST, '--tls', '--cafile', ca], {
    env: {
      ...process.env,
      FABRIC_CFG_PATH: path.join(ROOT, 'network/native/config'),
      CORE_PEER_TLS_ENABLED: 'true',
      CORE_PEER_LOCALMSPID: 'OrdererMSP',
      CORE_PEER_MSPCONFIGPATH: path.join(ordererOrg, 'users/Admin@obe.local/msp'),
      FABRIC_LOGGING_SPEC: 'WARNING',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

function currentConfig(channel: string, dir: string) {
  const file = path.join(dir, `${channel}-config.block`);
  peerCli(['channel', 'fetch', 'config', file, '-c', channel]);
  const block = common.Block.deserializeBinary(fs.readFileSync(file));
  const envelope = common.Envelope.deserializeBinary(block.getData()!.getDataList_asU8()[0]!);
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  return common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig()!;
}

function ordererGroup(config: InstanceType<typeof common.Config>) {
  const group = config.getChannelGroup()?.getGroupsMap().get('Orderer');
  if (!group) throw new Error('the channel configuration has no Orderer group');
  return group;
}

function decode(group: InstanceType<typeof common.ConfigGroup>): BlockCutting {
  const timeout = group.getValuesMap().get('BatchTimeout');
  const size = group.getValuesMap().get('BatchSize');
  if (!timeout || !size) throw new Error('the Orderer group has no BatchTimeout or BatchSize');
  const t = orderer.BatchTimeout.deserializeBinary(timeout.getValue_asU8());
  const s = orderer.BatchSize.deserializeBinary(size.getValue_asU8());
  return { batchTimeout: t.getTimeout(), maxMessageCount: s.getMaxMessageCount(), absoluteMaxBytes: s.getAbsoluteMaxBytes(), preferredMaxBytes: s.getPreferredMaxBytes() };
}

export function readBlockCutting(channel = 'energy'): BlockCutting {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-block-cutting-'));
  try {
    return decode(ordererGroup(currentConfig(channel, dir)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Applies the given values (the others stay) and returns what the channel then says. */
export function setBlockCutting(change: Partial<BlockCutting>, channel = 'energy'): BlockCutting {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-block-cutting-'));
  try {
    const config = currentConfig(channel, dir);
    const channelGroup = config.getChannelGroup()!;
    const group = ordererGroup(config);
    const was = decode(group);
    const next = { ...was, ...change };
    const changed = new Map<string, Uint8Array>();
    if (next.batchTimeout !== was.batchTimeout) {
      const t = new orderer.BatchTimeout();
      t.setTimeout(next.batchTimeout);
      changed.set('BatchTimeout', t.serializeBinary());
    }
    if (next.maxMessageCount !== was.maxMessageCount || next.absoluteMaxBytes !== was.absoluteMaxBytes || next.preferredMaxBytes !== was.preferredMaxBytes) {
      const s = new orderer.BatchSize();
      s.setMaxMessageCount(next.maxMessageCount);
      s.setAbsoluteMaxBytes(next.absoluteMaxBytes);
      s.setPreferredMaxBytes(next.preferredMaxBytes);
      changed.set('BatchSize', s.serializeBinary());
    }
    if (changed.size === 0) return was;

    const shell = (source: InstanceType<typeof common.ConfigGroup>, withModPolicy: boolean) => {
      const g = new common.ConfigGroup();
      g.setVersion(source.getVersion());
      if (withModPolicy) g.setModPolicy(source.getModPolicy());
      return g;
    };
    const readSet = shell(channelGroup, false);
    readSet.getGroupsMap().set('Orderer', shell(group, false));
    const writeOrderer = shell(group, true);
    for (const [key, bytes] of changed) {
      const existing = group.getValuesMap().get(key)!;
      const value = new common.ConfigValue();
      value.setVersion(existing.getVersion() + 1);
      value.setModPolicy(existing.getModPolicy());
      value.setValue(bytes);
      writeOrderer.getValuesMap().set(key, value);
    }
    const writeSet = shell(channelGroup, true);
    writeSet.getGroupsMap().set('Orderer', writeOrderer);
    const update = new common.ConfigUpdate();
    update.setChannelId(channel);
    update.setReadSet(readSet);
    update.setWriteSet(writeSet);
    const updateEnvelope = new common.ConfigUpdateEnvelope();
    updateEnvelope.setConfigUpdate(update.serializeBinary());

    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.CONFIG_UPDATE);
    channelHeader.setChannelId(channel);
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    const payload = new common.Payload();
    payload.setHeader(header);
    payload.setData(updateEnvelope.serializeBinary());
    const envelope = new common.Envelope();
    envelope.setPayload(payload.serializeBinary());
    const file = path.join(dir, `${channel}-update.tx`);
    fs.writeFileSync(file, envelope.serializeBinary());
    peerCli(['channel', 'update', '-f', file, '-c', channel]);

    // The update is ordered in a block of its own; wait until the channel's configuration says so.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const now = decode(ordererGroup(currentConfig(channel, dir)));
      if (JSON.stringify(now) === JSON.stringify(next)) return now;
      if (Date.now() > deadline) throw new Error(`channel ${channel} still has ${JSON.stringify(now)} after the update`);
      execFileSync('sleep', ['0.5']);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: string[]): { channel: string; change: Partial<BlockCutting> } {
  const change: Partial<BlockCutting> = {};
  let channel = 'energy';
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const int = () => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer`);
      return n;
    };
    if (flag === '--channel') channel = value;
    else if (flag === '--timeout') {
      if (!/^\d+(ms|s)$/.test(value)) throw new Error('--timeout takes a duration such as 250ms or 2s');
      change.batchTimeout = value;
    } else if (flag === '--max-count') change.maxMessageCount = int();
    else if (flag === '--preferred-bytes') change.preferredMaxBytes = int();
    else if (flag === '--absolute-bytes') change.absoluteMaxBytes = int();
    else throw new Error(`unknown option ${flag}`);
  }
  return { channel, change };
}

if (require.main === module) {
  const { channel, change } = parseArgs(process.argv.slice(2));
  const result = Object.keys(change).length ? setBlockCutting(change, channel) : readBlockCutting(channel);
  process.stdout.write(`${JSON.stringify({ channel, ...result })}\n`);
}
