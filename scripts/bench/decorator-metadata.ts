import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/**
 * tsx compiles TypeScript with esbuild, which does not emit decorator metadata (`design:paramtypes`). The contract
 * classes rely on it wherever a transaction has no explicit @Param: without it fabric-contract-api believes the
 * function takes no arguments and refuses every call ("Expected 0 parameters, but 1 have been supplied"). Peers run
 * the chaincode compiled by tsc, which emits the metadata; so do jest (ts-jest) and `npm start` (dist/). For the
 * tsx-run scripts (simulate, bench) this hook compiles chaincode/src with the TypeScript compiler instead, the way
 * the chaincode is built for a peer. Import it before anything that loads the chaincode.
 */
const CHAINCODE_SRC = `${path.sep}chaincode${path.sep}src${path.sep}`;

type Loader = (module: Module & { _compile(code: string, filename: string): void }, filename: string) => void;
const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
const esbuildLoader = extensions['.ts'];

if (esbuildLoader && !(esbuildLoader as { obeMetadata?: boolean }).obeMetadata) {
  const loader: Loader & { obeMetadata?: boolean } = (module, filename) => {
    if (!filename.includes(CHAINCODE_SRC)) return esbuildLoader(module, filename);
    const output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        sourceMap: false,
        inlineSourceMap: true,
      },
    });
    module._compile(output.outputText, filename);
  };
  loader.obeMetadata = true;
  extensions['.ts'] = loader;
}

export {};
