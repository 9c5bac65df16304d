/**
 * One-way layers: every import in src/ (and in web/, the explorer page) is checked against the
 * written layer order in docs/architecture/layers.json. An import may go to the importer's own
 * folder, to a lower layer, or to a folder of the same layer listed in `sameLayer`; never up.
 * `onlyImports` makes a folder a leaf (kernels/ may import only core/math/).
 *
 * The imports are read with the TypeScript parser (not a regular expression), so an import
 * written in a comment or a TSDoc example is not counted: static `import` / `export … from`
 * (type-only ones too: they also tie the layers together), dynamic `import('…')` with a literal
 * path, and `new URL('…', import.meta.url)`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const srcDir = join(root, 'src');

interface LayerFile {
  layers: { name: string; folders: string[] }[];
  sameLayer: Record<string, string[]>;
  onlyImports: Record<string, string[]>;
}

interface Import {
  /** The importing file, relative to the repository root. */
  file: string;
  /** The specifier as written. */
  spec: string;
  /** The imported path, relative to the repository root. */
  target: string;
}

/** The relative specifiers a source file imports (see the header for which forms). */
export function importsOf(fileName: string, text: string): string[] {
  // parent pointers set (true): getText needs them
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      specs.push(node.arguments[0].text);
    } else if (
      ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL' && node.arguments && node.arguments.length >= 2 &&
      ts.isStringLiteralLike(node.arguments[0]) && node.arguments[1].getText(sf) === 'import.meta.url'
    ) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  return specs.filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/** The folder of a path under src/: its first segment (a top-level folder or a root file); web/ for the page. */
function folderOf(pathFromRoot: string): string | null {
  const parts = pathFromRoot.split('/');
  if (parts[0] === 'web') return 'web';
  if (parts[0] !== 'src' || parts.length < 2) return null;
  return parts[1];
}

/**
 * Every layering fault among `imports` under the layer file: an upward import, an import within
 * one layer not listed in sameLayer, a leaf importing outside its list, a folder missing from the
 * layer file. Each message names the file, the import and the layers.
 */
export function layerViolations(imports: Import[], layerFile: LayerFile, files: string[]): string[] {
  const layerOf = new Map<string, number>();
  layerFile.layers.forEach((l, i) => l.folders.forEach((f) => layerOf.set(f, i)));
  const name = (i: number) => layerFile.layers[i].name;
  const faults = new Set<string>();
  for (const file of files) {
    const f = folderOf(file);
    if (f !== null && !layerOf.has(f)) faults.add(`${file}: folder "${f}" is not in docs/architecture/layers.json`);
  }
  for (const { file, spec, target } of imports) {
    const from = folderOf(file);
    const to = target.startsWith('src/') ? folderOf(target) : null;
    if (from === null || to === null) continue; // leaves src/ (examples/, the package root)
    if (!layerOf.has(to)) {
      faults.add(`${file}: import '${spec}' goes to folder "${to}", which is not in docs/architecture/layers.json`);
      continue;
    }
    const inSrc = file.startsWith('src/') ? file.slice(4) : null;
    if (inSrc !== null) {
      for (const [leaf, allowed] of Object.entries(layerFile.onlyImports)) {
        if (!(inSrc + '/').startsWith(leaf + '/')) continue;
        const t = target.slice(4);
        if (!allowed.some((a) => t === a || t.startsWith(a + '/'))) faults.add(`${file}: import '${spec}' leaves the leaf ${leaf}/ (it may import only ${allowed.join(', ')})`);
      }
    }
    if (from === to || !layerOf.has(from)) continue;
    const a = layerOf.get(from)!;
    const b = layerOf.get(to)!;
    if (b > a) faults.add(`${file}: import '${spec}' runs upward: ${from} (layer "${name(a)}") imports ${to} (layer "${name(b)}")`);
    else if (b === a && !(layerFile.sameLayer[from] ?? []).includes(to)) {
      faults.add(`${file}: import '${spec}': ${from} imports ${to}, both in layer "${name(a)}", and sameLayer does not allow ${from} → ${to}`);
    }
  }
  return [...faults];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|mjs)$/.test(e)) out.push(p);
  }
  return out;
}

function repositoryImports(): { imports: Import[]; files: string[] } {
  const files = [...sourceFiles(srcDir), ...sourceFiles(join(root, 'web'))];
  const imports: Import[] = [];
  for (const abs of files) {
    if (abs.endsWith(join('kernels', 'wasm-module.ts'))) continue; // generated: base64 only
    for (const spec of importsOf(abs, readFileSync(abs, 'utf8'))) {
      imports.push({ file: relative(root, abs).split('\\').join('/'), spec, target: relative(root, resolve(dirname(abs), spec)).split('\\').join('/') });
    }
  }
  return { imports, files: files.map((f) => relative(root, f).split('\\').join('/')) };
}

const layerFile: LayerFile = JSON.parse(readFileSync(join(root, 'docs', 'architecture', 'layers.json'), 'utf8'));

describe('layers (docs/architecture/layers.json)', () => {
  it('no import in src/ or web/ runs against the layer order', () => {
    const { imports, files } = repositoryImports();
    expect(imports.length).toBeGreaterThan(500); // the parser found the imports (about 690 when this was written)
    expect(layerViolations(imports, layerFile, files)).toEqual([]);
  });

  it('every folder the layer file lists exists, once', () => {
    const listed = layerFile.layers.flatMap((l) => l.folders);
    expect(new Set(listed).size).toBe(listed.length);
    const present = new Set([...readdirSync(srcDir), 'web']);
    expect(listed.filter((f) => !present.has(f))).toEqual([]);
    for (const [from, tos] of Object.entries(layerFile.sameLayer)) for (const f of [from, ...tos]) expect(listed).toContain(f);
  });

  it('the checker reports an upward import, a leaf leaving its list, and an unknown folder, naming file and layers', () => {
    const files = ['src/kernels/x.ts', 'src/sdde/y.ts', 'src/mystery/z.ts'];
    const imports: Import[] = [
      { file: 'src/sdde/y.ts', spec: '../theory/check.ts', target: 'src/theory/check.ts' },
      { file: 'src/kernels/x.ts', spec: '../random/streams.ts', target: 'src/random/streams.ts' },
      { file: 'src/kernels/x.ts', spec: '../core/math/libm.ts', target: 'src/core/math/libm.ts' },
      { file: 'src/stats/w.ts', spec: '../sdde/solve.ts', target: 'src/sdde/solve.ts' },
    ];
    const v = layerViolations(imports, layerFile, files);
    expect(v).toHaveLength(4);
    expect(v).toContain(`src/sdde/y.ts: import '../theory/check.ts' runs upward: sdde (layer "models") imports theory (layer "studies")`);
    expect(v).toContain(`src/kernels/x.ts: import '../random/streams.ts' leaves the leaf kernels/ (it may import only kernels, core/math)`);
    expect(v).toContain(`src/kernels/x.ts: import '../random/streams.ts': kernels imports random, both in layer "foundations", and sameLayer does not allow kernels → random`);
    expect(v).toContain('src/mystery/z.ts: folder "mystery" is not in docs/architecture/layers.json');
  });

  it('reads static, type-only, re-export, dynamic and URL imports, and not those in comments', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b/b.ts';",
      "export { c } from './c.ts';",
      "export * from '../d/d.ts';",
      "const e = await import('../e/e.ts');",
      "const f = new URL('../f/', import.meta.url);",
      "const g = new URL('./g.ts', base);",
      "import { h } from 'node:fs';",
      "// import { i } from '../i/i.ts';",
      "/** @example import { j } from '../j/j.ts' */",
    ].join('\n');
    expect(importsOf('x.ts', text)).toEqual(['./a.ts', '../b/b.ts', './c.ts', '../d/d.ts', '../e/e.ts', '../f/']);
  });
});
