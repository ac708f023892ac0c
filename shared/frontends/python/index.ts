/**
 * The Python (Airflow dialect) front-end: parses a DAG file with @lezer/python and evaluates it
 * statically (it never runs the file) into the skydag DAG model. Syntax errors stop before any
 * evaluation; everything else is reported in one pass with file:line:col.
 */
import { parser } from '@lezer/python';
import { pythonSyntaxTree } from './syntax-tree.js';
import { TreeBuffer, type SyntaxNode, type Tree } from '@lezer/common';
import { DiagnosticBag, DiagnosticCode, sortDiagnostics } from '../../model/diagnostics.js';
import type { Frontend, FrontendOptions } from '../types.js';
import type { Value } from './values.js';
import { EVALUATION_LIMITS } from './budget.js';
import { Evaluator } from './evaluator.js';
import { LineMap } from './location.js';
import { Lowerer } from './lower.js';
import { overNestedBracket } from './nesting.js';
import { ParseEnvironment } from './parse-environment.js';
import { ParseFiles } from './parse-files.js';
import { SHIM_MODULE_SOURCES } from './shim-modules.js';

/** The token at a syntax error: a name, a number, a triple quote or one character. */
const TOKEN = /^\s*([A-Za-z_]\w*|\d[\w.]*|"""|'''|\S)/;

/** By node type id: the nodes reportSyntaxErrors looks at (lezer's error node, Python 2 forms). */
const CHECKED_TYPES: readonly boolean[] = parser.nodeSet.types.map((t) => t.isError || t.name === 'PrintStatement' || t.name === 'TryStatement');

/**
 * Whether the tree has a node of a checked type, read from its node buffers (a few numbers per node)
 * instead of visiting every node: most files have none, and then there is nothing to report.
 */
function hasCheckedNode(tree: Tree): boolean {
  const trees: Tree[] = [tree];
  for (let t = trees.pop(); t; t = trees.pop()) {
    if (CHECKED_TYPES[t.type.id]) return true;
    for (const child of t.children) {
      if (child instanceof TreeBuffer) {
        const buffer = child.buffer; // [type id, from, to, end index] per node
        for (let i = 0; i < buffer.length; i += 4) if (CHECKED_TYPES[buffer[i]!]) return true;
      } else trees.push(child);
    }
  }
  return false;
}

/** Reports every syntax error (lezer ⚠ nodes, Python 2 forms); true when there were any. */
function reportSyntaxErrors(tree: Tree, source: string, lines: LineMap, bag: DiagnosticBag): boolean {
  if (!hasCheckedNode(tree)) return false;
  // One report per line: lezer's recovery can flag several spots of one mistake.
  const seen = new Set<number>();
  const brokenStatements = new Set<string>();
  const add = (from: number, message: string, hint?: string) => {
    const at = lines.at(from);
    if (seen.has(at.line)) return;
    seen.add(at.line);
    bag.error(DiagnosticCode.SYNTAX, message, at, hint ? { hint } : {});
  };
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) {
        // lezer's grammar wants a value after `yield`; a bare `yield` (in an async generator, say) is Python.
        if (node.from === node.to && isBareYield(node.node)) return false;
        // Python reports one error per mistake: later error nodes inside the same (innermost)
        // statement are lezer's recovery echoing the first one.
        let stmt = node.node.parent;
        while (stmt && !stmt.type.is('Statement')) stmt = stmt.parent;
        const stmtKey = stmt ? `${stmt.from}:${stmt.name}` : 'top';
        if (stmt && brokenStatements.has(stmtKey)) return false;
        brokenStatements.add(stmtKey);
        const rest = source.slice(node.from);
        const token = TOKEN.exec(rest.split('\n', 1)[0]!)?.[1];
        const atEof = rest.trim() === '';
        // An early end of file after another error is that error's echo (an unclosed bracket).
        if (atEof && seen.size > 0) return false;
        const what = token ? `unexpected '${token}'` : atEof ? 'unexpected end of file' : 'unexpected end of line';
        const lineText = lines.lineText(node.from).trim();
        // lezer refuses left-nested expressions over ~2,000 characters (e.g. `a >> b >> ...` with
        // hundreds of tasks) to keep its trees shallow.
        const hint = lineText.length > 2000
          ? 'this expression is too long for the parser: split it into several statements, or use chain(*tasks)'
          : `look for a missing comma, bracket, quote or colon in: ${lineText.length > 200 ? lineText.slice(0, 200) + '…' : lineText}`;
        add(node.from, `syntax error: ${what}`, hint);
        return false;
      }
      if (node.name === 'PrintStatement') {
        add(node.from, "syntax error: missing parentheses in call to 'print'", 'DAG files are Python 3: write print(...)');
        return false;
      }
      if (node.name === 'TryStatement') {
        // Python 2's `except X, e:` parses in lezer but is a syntax error in Python 3.
        let afterExcept = false;
        for (let c = node.node.firstChild; c; c = c.nextSibling) {
          if (c.name === 'except') afterExcept = true;
          else if (c.name === 'Body') afterExcept = false;
          else if (afterExcept && c.name === ',') add(c.from, 'syntax error: Python 2 except clause', "write `except ValueError as e:`");
        }
      }
      return undefined;
    },
  });
  return seen.size > 0;
}

/** The empty error node lezer puts after a `yield` with no value, at the end of its statement or expression. */
function isBareYield(error: SyntaxNode): boolean {
  const parent = error.parent;
  return (parent?.name === 'YieldStatement' || parent?.name === 'YieldExpression') && error.prevSibling?.name === 'yield' && error.nextSibling === null;
}

/** The module name Airflow gives a DAG file (never "__main__"). */
function moduleName(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.py$/, '');
  return `unusual_prefix_${base.replace(/\W/g, '_')}`;
}

/**
 * The globals of the local modules a DAG file imports, read as the file is (never run), each once;
 * a module that is being read when it is imported again (an import cycle) or that does not parse
 * gives nothing, and its names stay opaque. Problems inside a module are not the DAG file's: they
 * only make the values they touch opaque.
 */
function localModuleReader(options: FrontendOptions, parseFiles: ParseFiles, environment: ParseEnvironment): ((name: string) => ReadonlyMap<string, Value> | undefined) | undefined {
  const sources = { ...SHIM_MODULE_SOURCES, ...options.modules };
  const read = new Map<string, ReadonlyMap<string, Value> | null>();
  const reader = (name: string): ReadonlyMap<string, Value> | undefined => {
    const known = read.get(name);
    if (known !== undefined) return known ?? undefined;
    const module = Object.hasOwn(sources, name) ? sources[name] : undefined;
    if (!module) return undefined;
    read.set(name, null); // a cycle back to this module sees nothing
    const lines = new LineMap(module.source, module.file);
    const tree = pythonSyntaxTree(module.source);
    const scratch = new DiagnosticBag();
    if (reportSyntaxErrors(tree, module.source, lines, scratch) || overNestedBracket(module.source, EVALUATION_LIMITS.maxBracketNesting) >= 0) return undefined;
    let lowered;
    try {
      lowered = new Lowerer(module.source).module(tree);
    } catch {
      return undefined;
    }
    const evaluator = new Evaluator(lines, scratch, { file: module.file, now: options.now, environment, localModule: reader, origin: name, parseFiles });
    evaluator.run(lowered, name);
    read.set(name, evaluator.globals.vars);
    return evaluator.globals.vars;
  };
  return reader;
}

export const parsePythonDagFile: Frontend = (source, options) => {
  const bag = new DiagnosticBag();
  const lines = new LineMap(source, options.file);
  const overNested = overNestedBracket(source, EVALUATION_LIMITS.maxBracketNesting);
  if (overNested >= 0) {
    bag.error(DiagnosticCode.PARSE_LIMIT, `too many nested brackets (more than ${EVALUATION_LIMITS.maxBracketNesting})`, lines.at(overNested), {
      hint: 'Python itself refuses this nesting; split the expression into several statements',
    });
    return { dags: [], diagnostics: bag.items };
  }
  const tree = pythonSyntaxTree(source);
  if (reportSyntaxErrors(tree, source, lines, bag)) return { dags: [], diagnostics: sortDiagnostics(bag.items) };
  let module;
  try {
    module = new Lowerer(source).module(tree);
  } catch (err) {
    // A tree shape the lowering does not know: report it instead of failing the caller.
    bag.error(DiagnosticCode.SYNTAX, `skydag could not read this file (${err instanceof Error ? err.message : String(err)})`, lines.at(0), {
      hint: 'if the file is valid Python 3, please report it as a skydag bug',
    });
    return { dags: [], diagnostics: sortDiagnostics(bag.items) };
  }
  const parseFiles = new ParseFiles(options.files, options.folders);
  // One os.environ for the file and the modules it imports.
  const environment = new ParseEnvironment(options.env, options.executables, options.variables);
  const localModule = localModuleReader(options, parseFiles, environment);
  const evaluator = new Evaluator(lines, bag, {
    file: options.file,
    now: options.now,
    parseFiles,
    environment,
    ...(options.importable ? { importable: options.importable } : {}),
    ...(localModule ? { localModule } : {}),
  });
  const dags = evaluator.run(module, moduleName(options.file));
  // The environment values the file read belong to its DAGs' versions: changing one makes a new version.
  const parseEnv = evaluator.environment.read();
  if (Object.keys(parseEnv).length > 0) for (const dag of dags) dag.parse_env = parseEnv;
  // So are the variables it read: a change of one reads the file again.
  const variableKeys = evaluator.environment.variableKeys();
  if (variableKeys.length > 0) for (const dag of dags) dag.parse_variables = variableKeys;
  // So are the files it read: they go into the version's bundle (a changed config makes a new version).
  const parseFilesRead = parseFiles.paths();
  if (parseFilesRead.length > 0) for (const dag of dags) dag.parse_files = parseFilesRead;
  if (dags.length === 0 && !bag.hasErrors) {
    bag.warning(DiagnosticCode.NO_DAG, 'no DAG found in file', lines.at(0), {
      hint: 'define a DAG at module level (dag = DAG(...) or `with DAG(...):`), or call your @dag function',
    });
  }
  return { dags, diagnostics: sortDiagnostics(bag.items) };
};
