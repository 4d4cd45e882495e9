#!/usr/bin/python3
"""Counts, from the raw JSON, what the GP summary of a structured-record bundle
must hold, by the rules in docs/gp-summary.md. Written apart from the C++ mapper
(standard library json, no shared code) so the parser test checks one against
the other.

usage: expected_counts.py BUNDLE.json   -> prints "name value" lines
"""
import json
import sys

BP_PANELS = {"163020007", "386534000", "75367002", "163034007", "163035008", "163033001"}
COMMENT_NOTE = "37331000000100"


def codes(concept):
    return {c.get("code") for c in (concept or {}).get("coding", [])}


def main(path):
    bundle = json.load(open(path, encoding="utf-8"))
    resources = [e["resource"] for e in bundle.get("entry", [])]
    by_ref = {}
    for r in resources:
        if "id" in r:
            by_ref.setdefault(r["resourceType"] + "/" + r["id"], r)
    of = lambda t: [r for r in resources if r["resourceType"] == t]
    n = {}
    ms = of("MedicationStatement")
    n["medications_current"] = sum(1 for m in ms if m.get("status") in ("active", "intended"))
    n["medications_past"] = sum(1 for m in ms if m.get("status") not in (None, "active", "intended"))
    conds = of("Condition")
    n["problems_active"] = sum(1 for c in conds if c.get("clinicalStatus") == "active")
    n["problems_inactive"] = sum(
        1 for c in conds if c.get("clinicalStatus") in ("inactive", "resolved", "remission"))
    allergies = {}
    for a in of("AllergyIntolerance"):
        allergies.setdefault(a.get("id"), a)
    for lst in of("List"):
        for c in lst.get("contained", []):
            if c.get("resourceType") == "AllergyIntolerance":
                allergies.setdefault(c.get("id"), c)
    n["allergies_active"] = sum(1 for a in allergies.values() if a.get("clinicalStatus") == "active")
    n["allergies_ended"] = sum(
        1 for a in allergies.values() if a.get("clinicalStatus") in ("resolved", "inactive"))
    n["bp_readings"] = sum(1 for o in of("Observation") if codes(o.get("code")) & BP_PANELS)
    reports = of("DiagnosticReport")
    n["investigations"] = len(reports)

    def results(obs, seen, depth):
        if depth > 8 or obs.get("id") in seen:
            return 0
        seen.add(obs.get("id"))
        if COMMENT_NOTE in codes(obs.get("code")):
            return 0
        members = [rel for rel in obs.get("related", []) if rel.get("type") == "has-member"]
        count = 0
        for rel in members:
            target = by_ref.get(rel.get("target", {}).get("reference", ""))
            if target:
                count += results(target, seen, depth + 1)
        has_value = any(k in obs for k in ("valueQuantity", "valueString", "valueCodeableConcept"))
        if members and not has_value:
            return count
        return count + 1

    total = 0
    for rep in reports:
        seen = set()
        for ref in rep.get("result", []):
            target = by_ref.get(ref.get("reference", ""))
            if target:
                total += results(target, seen, 0)
    n["investigation_results"] = total
    n["encounters"] = len(of("Encounter"))
    n["referrals"] = len(of("ReferralRequest"))
    for k, v in n.items():
        print(k, v)


if __name__ == "__main__":
    main(sys.argv[1])
