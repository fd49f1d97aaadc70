"""fhir.resources (PyPI 8.3.0, its STU3 pydantic models) as a peer for the `validate` bench.

    python fhir_resources.py --cold FILE
        cold start: import the STU3 model of the resource, validate it, print its verdict and the time since
        the interpreter started
    python fhir_resources.py --runs N [FILE ...]      (no FILE: one path per line on standard input)
        warm throughput: load every file, then validate the whole corpus N times

Output is one JSON object: {resources, seconds, per_sec, startup_seconds, ...}; a Bundle counts as its
entries. A resource the models reject (pydantic ValidationError) is a verdict like any other.
Run it with the interpreter of the virtualenv made by setup.sh (target/peers/py/bin/python).
"""

import json
import statistics
import sys
import time


def process_seconds():
    """Seconds since this process started (the same clock start as the bench's process spawn)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat, starttime, in clock ticks since boot
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        import os

        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.process_time()


def count_resources(resource):
    if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
        entry = resource.get("entry")
        return len(entry) if isinstance(entry, list) else 0
    return 1


def load_models():
    try:
        from fhir.resources.STU3 import get_fhir_model_class
        from pydantic import ValidationError
    except ImportError as e:
        sys.exit(f"fhir.resources is not installed in this interpreter (run benches/peers/setup.sh): {e}")
    return get_fhir_model_class, ValidationError


def validate(get_model, validation_error, resource):
    """Returns the number of errors (0: valid)."""
    try:
        get_model(resource.get("resourceType", "")).model_validate(resource)
        return 0
    except validation_error as e:
        return e.error_count()
    except ValueError:
        # Not a resource type the STU3 models know.
        return 1


def main(argv):
    runs = 5
    cold = None
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--runs":
            runs = int(argv[i + 1])
            i += 1
        elif a == "--cold":
            cold = argv[i + 1]
            i += 1
        else:
            files.append(a)
        i += 1

    if cold:
        get_model, validation_error = load_models()
        with open(cold, encoding="utf-8") as f:
            resource = json.load(f)
        errors = validate(get_model, validation_error, resource)
        print(json.dumps({"file": cold, "valid": errors == 0, "errors": errors, "seconds": process_seconds()}))
        return

    get_model, validation_error = load_models()
    if not files:
        files = [line.strip() for line in sys.stdin if line.strip()]
    corpus = []
    for name in files:
        with open(name, encoding="utf-8") as f:
            corpus.append(json.load(f))
    resources = sum(count_resources(r) for r in corpus)
    startup = process_seconds()
    # One untimed pass: pydantic builds each model's validator on first use.
    for r in corpus:
        validate(get_model, validation_error, r)
    passes = []
    invalid = 0
    errors = 0
    for _ in range(runs):
        invalid = 0
        errors = 0
        t0 = time.perf_counter()
        for r in corpus:
            n = validate(get_model, validation_error, r)
            invalid += n > 0
            errors += n
        passes.append(time.perf_counter() - t0)
    seconds = statistics.median(passes)
    print(
        json.dumps(
            {
                "peer": "fhir.resources 8.3.0 (STU3)",
                "files": len(corpus),
                "resources": resources,
                "runs": runs,
                "seconds": seconds,
                "per_sec": resources / seconds,
                "pass_seconds": passes,
                "startup_seconds": startup,
                "invalid_files": invalid,
                "errors": errors,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
