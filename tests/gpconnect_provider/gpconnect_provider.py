#!/usr/bin/python3
"""A GP Connect Access Record: Structured test provider, for tests and the demo.

An HTTPS server that requires a client certificate chaining to --ca, serves
structured-record bundles by NHS number, and checks what a real provider
checks (GP Connect 1.6, /work/shared/reference/gpconnect.md sections 1 and 3):

  * POST .../Patient/$gpc.getstructuredrecord (any service root before it);
  * headers Ssp-TraceID (a UUID), Ssp-From, Ssp-To (equal to --asid when
    given), Ssp-InteractionID (exactly the structured-record interaction),
    Accept and Content-Type "application/fhir+json;charset=utf-8";
  * the JWT: three base64url parts ending with ".", header alg "none", every
    claim present, exp == iat + 300 exactly, not expired, iat at most 300 s
    in the future, reason_for_request "directcare", requested_scope starting
    "patient/*.read", sub equal to requesting_practitioner.id, and the claim
    resources typed Device / Organization / Practitioner (else 422);
  * the Parameters body: patientNHSNumber (system and Modulus 11 check),
    includeResolvedAllergies whenever includeAllergies, filterStatus values,
    whole dates not in the future, includeNumberOfMostRecent not with
    consultationSearchPeriod, and the combinations that are not permitted.
Errors are the spec's OperationOutcome (Spine-ErrorOrWarningCode-1) with
the spec's HTTP status. A success returns the whole mapped bundle (not
filtered by area) with Bundle.id set to the Ssp-TraceID, gzip-compressed
when the client accepts gzip.

usage:
  gpconnect_provider.py --port 0 --cert server.pem --key server.key \
      --ca ca.pem --index index.json [--asid TO_ASID]

  --port 0 picks a free port; the server prints
      "gpconnect provider listening on 127.0.0.1:PORT"
  on stdout once it accepts connections, and one line per request:
      "served STATUS SCENARIO [gzip]"   (never an NHS number)
  --index FILE: a JSON object mapping NHS numbers to either a bundle file
  name (relative to the index file's directory, or absolute) or an object
  {"bundle": FILE, "scenario": NAME}. Scenarios:
      ok (default)   200 with the bundle
      dissent        403 NO_PATIENT_CONSENT
      access-denied  403 ACCESS DENIED
      not-found      404 PATIENT_NOT_FOUND (also for NHS numbers not indexed)
      slow:MS        wait MS milliseconds, then 200
      truncated      200 with the first half of the bundle
      malformed      200 with a body that is not JSON
      wrong-id       200 with a Bundle.id that is not the trace id
      500 / 503      that status with an INTERNAL_SERVER_ERROR OperationOutcome
      400 / 422      that status with BAD_REQUEST / INVALID_PARAMETER, whose
                     diagnostics echo synthetic personal data (ECHOING_DIAGNOSTICS)
                     that a client must not log
      503-once       503 on the first request for the person, then 200
Stops on SIGTERM or SIGINT.
"""
import argparse
import base64
import gzip
import json
import os
import re
import signal
import ssl
import sys
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INTERACTION = "urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1"
FHIR_JSON = "application/fhir+json;charset=utf-8"
SPINE = "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1"
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
CLAIMS = ("iss", "sub", "aud", "exp", "iat", "reason_for_request", "requested_scope",
          "requesting_device", "requesting_organization", "requesting_practitioner")
# Parts not permitted with includeConsultations (and, except filterStatus,
# with includeProblems).
FORBIDDEN_PARTS = ("medicationSearchFromDate", "uncategorisedDataSearchPeriod", "filterStatus",
                   "referralSearchPeriod", "diaryEntriesSearchDate", "includeNotGiven",
                   "includeStatus")


class Reject(Exception):
    def __init__(self, status, issue_code, spine_code, diagnostics):
        super().__init__(diagnostics)
        self.status, self.issue_code, self.spine_code = status, issue_code, spine_code
        self.diagnostics = diagnostics


# What a careless provider might write into a rejection's diagnostics: an NHS
# number however spaced, a quoted name, a date of birth, an email address.
# All synthetic (9434765919 is the reference's test number).
ECHOING_DIAGNOSTICS = ("patientNHSNumber 943 476 5919 for 'Jane Example' (born 12/03/1950, "
                       "jane.example@example.org, \"Flat 2, 1 Example Road\") is not valid")


def outcome(issue_code, spine_code, diagnostics):
    return {
        "resourceType": "OperationOutcome",
        "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1"]},
        "issue": [{"severity": "error", "code": issue_code,
                   "details": {"coding": [{"system": SPINE, "code": spine_code,
                                           "display": spine_code}]},
                   "diagnostics": diagnostics}]}


def nhs_number_valid(n):
    if not (isinstance(n, str) and len(n) == 10 and n.isdigit()):
        return False
    total = sum(int(n[i]) * (10 - i) for i in range(9))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(n[9])


def b64url_json(part):
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw)
    except Exception:
        raise Reject(400, "invalid", "BAD_REQUEST", "JWT part is not base64url JSON")


def check_jwt(auth):
    if not auth.startswith("Bearer "):
        raise Reject(400, "invalid", "BAD_REQUEST", "Authorization must be a Bearer token")
    token = auth[len("Bearer "):]
    parts = token.split(".")
    if len(parts) != 3 or parts[2] != "" or not token.endswith("."):
        raise Reject(400, "invalid", "BAD_REQUEST", "JWT must be unsigned and end with '.'")
    header, claims = b64url_json(parts[0]), b64url_json(parts[1])
    if not isinstance(header, dict) or header.get("alg") != "none":
        raise Reject(400, "invalid", "BAD_REQUEST", "JWT alg must be none")
    if not isinstance(claims, dict):
        raise Reject(400, "invalid", "BAD_REQUEST", "JWT claims must be an object")
    for c in CLAIMS:
        if claims.get(c) in (None, "", {}, []):
            raise Reject(400, "invalid", "BAD_REQUEST", "JWT claim missing: " + c)
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int) or not isinstance(exp, int) or exp != iat + 300:
        raise Reject(400, "invalid", "BAD_REQUEST", "JWT exp must be iat + 300")
    now = int(time.time())
    if exp < now:
        raise Reject(400, "invalid", "BAD_REQUEST", "JWT expired")
    if iat > now + 300:
        raise Reject(400, "invalid", "BAD_REQUEST", "JWT iat in the future")
    if claims["reason_for_request"] != "directcare":
        raise Reject(400, "invalid", "BAD_REQUEST", "reason_for_request must be directcare")
    scope = claims["requested_scope"]
    if not isinstance(scope, str) or not scope.startswith("patient/*.read"):
        raise Reject(400, "invalid", "BAD_REQUEST", "requested_scope must be patient/*.read")
    for claim, rtype in (("requesting_device", "Device"),
                         ("requesting_organization", "Organization"),
                         ("requesting_practitioner", "Practitioner")):
        value = claims[claim]
        if not isinstance(value, dict) or value.get("resourceType") != rtype:
            raise Reject(422, "invalid", "INVALID_RESOURCE", claim + " must be a " + rtype)
    if claims["sub"] != claims["requesting_practitioner"].get("id"):
        raise Reject(400, "invalid", "BAD_REQUEST", "sub must equal requesting_practitioner.id")
    org_ids = claims["requesting_organization"].get("identifier") or []
    if not any(i.get("system") == "https://fhir.nhs.uk/Id/ods-organization-code" for i in org_ids):
        raise Reject(422, "invalid", "INVALID_RESOURCE", "requesting_organization needs an ODS code")


def invalid_parameter(text):
    return Reject(422, "invalid", "INVALID_PARAMETER", text)


def check_date(value, name):
    try:
        d = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise invalid_parameter(name + " must be a whole date")
    if len(value) != 10 or d > date.today():
        raise invalid_parameter(name + " must be a whole date not in the future")


def check_parameters(body):
    try:
        params = json.loads(body)
    except Exception:
        raise Reject(422, "invalid", "INVALID_RESOURCE", "body is not JSON")
    if not isinstance(params, dict) or params.get("resourceType") != "Parameters":
        raise Reject(422, "invalid", "INVALID_RESOURCE", "body is not a Parameters resource")
    by_name = {}
    for p in params.get("parameter", []):
        by_name.setdefault(p.get("name"), []).append(p)
    nhs = by_name.get("patientNHSNumber", [])
    if len(nhs) != 1:
        raise invalid_parameter("patientNHSNumber is required once")
    ident = nhs[0].get("valueIdentifier") or {}
    if ident.get("system") != "https://fhir.nhs.uk/Id/nhs-number":
        raise Reject(400, "value", "INVALID_IDENTIFIER_SYSTEM", "patientNHSNumber system")
    if not nhs_number_valid(ident.get("value")):
        raise Reject(400, "value", "INVALID_NHS_NUMBER", "patientNHSNumber is not valid")
    areas = [n for n in by_name if n != "patientNHSNumber"]
    if not areas:
        raise invalid_parameter("no clinical area requested")
    parts = {}
    for name in areas:
        for p in by_name[name]:
            for part in p.get("part", []):
                pname = part.get("name")
                if not any(k.startswith("value") for k in part):
                    raise invalid_parameter(name + "." + str(pname) + " has no value")
                parts[pname] = (name, part)
    if "includeAllergies" in by_name and "includeResolvedAllergies" not in parts:
        raise invalid_parameter("includeAllergies needs includeResolvedAllergies")
    if "filterStatus" in parts and parts["filterStatus"][1].get("valueCode") not in ("active", "inactive"):
        raise invalid_parameter("filterStatus must be active or inactive")
    if "medicationSearchFromDate" in parts:
        check_date(parts["medicationSearchFromDate"][1].get("valueDate"), "medicationSearchFromDate")
    for pname, (_, part) in parts.items():
        if pname.endswith("SearchPeriod"):
            period = part.get("valuePeriod") or {}
            for k in ("start", "end"):
                if k in period:
                    check_date(period[k], pname + "." + k)
    if "includeNumberOfMostRecent" in parts and "consultationSearchPeriod" in parts:
        raise Reject(422, "invalid", "INVALID_RESOURCE",
                     "includeNumberOfMostRecent with consultationSearchPeriod")
    for area, allowed in (("includeConsultations", ()), ("includeProblems", ("filterStatus",))):
        if area in by_name:
            for f in FORBIDDEN_PARTS:
                if f in parts and f not in allowed:
                    raise invalid_parameter(area + " is not permitted with " + f)
    return ident["value"]


class Provider:
    def __init__(self, index_path, asid):
        self.asid = asid
        base = os.path.dirname(os.path.abspath(index_path))
        with open(index_path, encoding="utf-8") as f:
            raw = json.load(f)
        self.people = {}
        for nhs, value in raw.items():
            if isinstance(value, str):
                value = {"bundle": value}
            bundle = value.get("bundle")
            if bundle and not os.path.isabs(bundle):
                bundle = os.path.join(base, bundle)
            self.people[nhs] = {"bundle": bundle, "scenario": value.get("scenario", "ok")}
        self.seen = set()
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    provider = None  # set in main

    def log_message(self, fmt, *args):  # no request lines with identifiers
        pass

    def send(self, status, body, scenario):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        gz = "gzip" in (self.headers.get("Accept-Encoding") or "")
        if gz:
            data = gzip.compress(data)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            if gz:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (e.g. its deadline passed)
        finally:
            print("served %d %s%s" % (status, scenario, " gzip" if gz else ""), flush=True)

    def do_GET(self):
        self.send(405, outcome("not-supported", "BAD_REQUEST", "use POST"), "method")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        try:
            nhs = self.check(body)
        except Reject as r:
            self.send(r.status, outcome(r.issue_code, r.spine_code, r.diagnostics), "rejected")
            return
        p = self.provider
        person = p.people.get(nhs)
        scenario = person["scenario"] if person else "not-found"
        if scenario == "503-once":
            with p.lock:
                first = nhs not in p.seen
                p.seen.add(nhs)
            scenario = "503" if first else "ok"
        if scenario == "dissent":
            return self.send(403, outcome("forbidden", "NO_PATIENT_CONSENT",
                                          "Patient has not consented"), scenario)
        if scenario == "access-denied":
            return self.send(403, outcome("forbidden", "ACCESS DENIED", "disabled"), scenario)
        if scenario == "not-found":
            return self.send(404, outcome("not-found", "PATIENT_NOT_FOUND",
                                          "Patient not found"), scenario)
        if scenario in ("500", "503"):
            return self.send(int(scenario), outcome("exception", "INTERNAL_SERVER_ERROR",
                                                    "provider failure"), scenario)
        if scenario in ("400", "422"):
            spine = "BAD_REQUEST" if scenario == "400" else "INVALID_PARAMETER"
            return self.send(int(scenario), outcome("invalid", spine, ECHOING_DIAGNOSTICS),
                             scenario)
        if scenario.startswith("slow:"):
            time.sleep(int(scenario[5:]) / 1000.0)
        if scenario == "malformed":
            return self.send(200, b"{this is not json", scenario)
        with open(person["bundle"], encoding="utf-8") as f:
            bundle = json.load(f)
        trace = self.headers.get("Ssp-TraceID")
        bundle["id"] = "not-the-trace-id" if scenario == "wrong-id" else trace
        data = json.dumps(bundle).encode()
        if scenario == "truncated":
            data = data[: len(data) // 2]
        self.send(200, data, scenario)

    def check(self, body):
        if not self.path.endswith("/Patient/$gpc.getstructuredrecord"):
            raise Reject(404, "not-found", "NO_RECORD_FOUND", "unknown operation")
        h = self.headers
        if not UUID_RE.match(h.get("Ssp-TraceID") or ""):
            raise Reject(400, "invalid", "BAD_REQUEST", "Ssp-TraceID must be a UUID")
        for name in ("Ssp-From", "Ssp-To"):
            if not h.get(name):
                raise Reject(400, "invalid", "BAD_REQUEST", name + " is required")
        if self.provider.asid and h.get("Ssp-To") != self.provider.asid:
            raise Reject(403, "forbidden", "ASID_CHECK_FAILED", "Ssp-To is not this provider")
        if h.get("Ssp-InteractionID") != INTERACTION:
            raise Reject(400, "invalid", "BAD_REQUEST", "Ssp-InteractionID does not match")
        if h.get("Accept") != FHIR_JSON:
            raise Reject(400, "invalid", "BAD_REQUEST", "Accept must be " + FHIR_JSON)
        if h.get("Content-Type") != FHIR_JSON:
            raise Reject(415, "invalid", "BAD_REQUEST", "Content-Type must be " + FHIR_JSON)
        check_jwt(h.get("Authorization") or "")
        return check_parameters(body)


def main():
    ap = argparse.ArgumentParser(description="GP Connect structured-record test provider")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca", required=True, help="CA that client certificates must chain to")
    ap.add_argument("--index", required=True)
    ap.add_argument("--asid", default="", help="expected Ssp-To (optional)")
    args = ap.parse_args()

    Handler.provider = Provider(args.index, args.asid)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    ctx.load_verify_locations(args.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    server.socket = ctx.wrap_socket(server.socket, server_side=True)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("gpconnect provider listening on %s:%d" % (args.host, server.server_address[1]),
          flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
