// FHIR.js (npm `fhir` 4.12.0) as a peer for the `validate` bench.
//
//   node fhirjs.js --prepare STU3_CORE_DIR OUT.json
//       parse the STU3 core StructureDefinitions / ValueSets / CodeSystems with FHIR.js's ParseConformance and
//       save the parsed form (what FHIR.js ships for R4 in profiles/types.json and valuesets.json)
//   node fhirjs.js --defs DEFS --cold FILE
//       cold start: load the definitions, validate one resource, print its verdict and the time since the
//       process started
//   node fhirjs.js --defs DEFS --runs N [FILE ...]     (no FILE: one path per line on standard input)
//       warm throughput: load the definitions and every file, then validate the whole corpus N times
//
// DEFS is either OUT.json from --prepare (pre-parsed) or the STU3 core folder itself (parsed at start-up).
// Output is one JSON object: {resources, seconds, per_sec, startup_seconds, ...}; a Bundle counts as its
// entries. The package is resolved from FHIRJS_HOME (default: target/peers/node beside this repository).
'use strict';

const fs = require('fs');
const path = require('path');

const home = process.env.FHIRJS_HOME || path.join(__dirname, '..', '..', 'target', 'peers', 'node');
let fhirjs;
try {
    fhirjs = require(path.join(home, 'node_modules', 'fhir'));
} catch (e) {
    console.error(`FHIR.js is not installed in ${home} (run benches/peers/setup.sh): ${e.message}`);
    process.exit(2);
}
const { Fhir, ParseConformance } = fhirjs;

function fail(message) {
    console.error(`fhirjs.js: ${message}`);
    process.exit(2);
}

function readJson(file) {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/// Every JSON conformance resource of one kind in the STU3 core folder.
function loadFolder(dir, kind) {
    const sub = path.join(dir, kind);
    if (!fs.existsSync(sub)) {
        fail(`${sub} does not exist: is ${dir} the unpacked hl7.fhir.core 3.0.1 package?`);
    }
    return fs.readdirSync(sub)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => readJson(path.join(sub, f)))
        .filter((r) => r.resourceType === kind);
}

/// A ParseConformance filled from the raw STU3 core definitions.
function parseRaw(dir) {
    const parser = new ParseConformance(false, 'STU3');
    const entries = [];
    for (const kind of ['CodeSystem', 'ValueSet']) {
        for (const resource of loadFolder(dir, kind)) {
            entries.push({ resource });
        }
    }
    // parseBundle loads the code systems, orders the value sets by their dependencies and expands them.
    parser.parseBundle({ resourceType: 'Bundle', entry: entries });
    // The base types and resources (profiles and extension definitions are not types FHIR.js validates by).
    for (const sd of loadFolder(dir, 'StructureDefinition')) {
        if (sd.derivation === 'constraint' || !['resource', 'complex-type', 'primitive-type'].includes(sd.kind)) {
            continue;
        }
        try {
            parser.parseStructureDefinition(sd);
        } catch (e) {
            // FHIR.js rejects a few definitions (e.g. elements without max); it validates without them.
        }
    }
    return parser;
}

function loadDefinitions(defs) {
    if (!defs) {
        fail('--defs DEFS is required (the --prepare output or the STU3 core folder)');
    }
    if (fs.statSync(defs).isDirectory()) {
        return parseRaw(defs);
    }
    const parsed = readJson(defs);
    const parser = new ParseConformance(false, 'STU3');
    parser.parsedStructureDefinitions = parsed.structureDefinitions;
    parser.parsedValueSets = parsed.valueSets;
    return parser;
}

function countResources(resource) {
    if (resource && resource.resourceType === 'Bundle') {
        return Array.isArray(resource.entry) ? resource.entry.length : 0;
    }
    return 1;
}

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

function main(argv) {
    let defs = null;
    let runs = 5;
    let cold = null;
    const files = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--prepare') {
            const [dir, out] = [argv[i + 1], argv[i + 2]];
            if (!dir || !out) {
                fail('--prepare STU3_CORE_DIR OUT.json');
            }
            const parser = parseRaw(dir);
            fs.writeFileSync(out, JSON.stringify({
                structureDefinitions: parser.parsedStructureDefinitions,
                valueSets: parser.parsedValueSets,
            }));
            console.log(JSON.stringify({
                structure_definitions: Object.keys(parser.parsedStructureDefinitions).length,
                value_sets: Object.keys(parser.parsedValueSets).length,
                out,
            }));
            return;
        } else if (a === '--defs') {
            defs = argv[++i];
        } else if (a === '--runs') {
            runs = Number(argv[++i]);
        } else if (a === '--cold') {
            cold = argv[++i];
        } else {
            files.push(a);
        }
    }
    if (cold) {
        const fhir = new Fhir(loadDefinitions(defs));
        const resource = readJson(cold);
        const verdict = fhir.validate(resource, {});
        const errors = verdict.messages.filter((m) => m.severity === 'error' || m.severity === 'fatal').length;
        console.log(JSON.stringify({
            file: cold, valid: verdict.valid, errors, messages: verdict.messages.length,
            seconds: process.uptime(),
        }));
        return;
    }
    const fhir = new Fhir(loadDefinitions(defs));
    const startup = process.uptime();
    if (files.length === 0) {
        files.push(...fs.readFileSync(0, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
    }
    const corpus = files.map(readJson);
    const resources = corpus.reduce((n, r) => n + countResources(r), 0);
    // One untimed pass so that the JIT has seen every path.
    for (const r of corpus) {
        fhir.validate(r, {});
    }
    const passes = [];
    let invalid = 0;
    let messages = 0;
    for (let run = 0; run < runs; run++) {
        invalid = 0;
        messages = 0;
        const t0 = process.hrtime.bigint();
        for (const r of corpus) {
            const verdict = fhir.validate(r, {});
            if (!verdict.valid) {
                invalid++;
            }
            messages += verdict.messages.length;
        }
        passes.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    const seconds = median(passes);
    console.log(JSON.stringify({
        peer: 'FHIR.js 4.12.0',
        files: corpus.length, resources, runs, seconds, per_sec: resources / seconds,
        pass_seconds: passes, startup_seconds: startup, invalid_files: invalid, messages,
    }));
}

main(process.argv.slice(2));
