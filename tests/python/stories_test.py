#!/usr/bin/python3
"""End-to-end: each user's story against the real binaries.

Starts the GP Connect test provider over mutual TLS, caregate configured with
the GP Connect adapter and the council store (SQLite or PostgreSQL), and drives
them with caregatectl (tokens, consent, audit) and with an independent client:
Debian's python3-grpcio with stubs generated from the project's protos.

usage: stories_test.py BUILD_DIR SOURCE_DIR sqlite|postgres
PostgreSQL runs use the server deploy/test.sh started (CAREGATE_TEST_PG_PORT).
"""
import concurrent.futures
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

BUILD, SOURCE, ENGINE = sys.argv[1], sys.argv[2], sys.argv[3]
del sys.argv[1:4]
STUBS = os.path.join(BUILD, "python")
sys.path.insert(0, STUBS)
import grpc  # noqa: E402
import google  # noqa: E402

grpc.__path__.append(os.path.join(STUBS, "grpc"))
google.__path__.append(os.path.join(STUBS, "google"))
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from caregate.v1 import (audit_pb2, audit_pb2_grpc, common_pb2,  # noqa: E402
                         records_pb2, records_pb2_grpc)

CAREGATE = os.path.join(BUILD, "gateway", "caregate")
CAREGATECTL = os.path.join(BUILD, "cli", "caregatectl")
PROVIDER = os.path.join(SOURCE, "tests", "gpconnect_provider", "gpconnect_provider.py")
MAKE_CERTS = os.path.join(SOURCE, "tests", "support", "make_test_certs.sh")
COUNCIL = "X99LA"
DIRECT_CARE = common_pb2.PURPOSE_OF_USE_DIRECT_CARE


def error_reason(error):
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


def read_port(process, marker):
    deadline = time.time() + 120
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"process exited before printing '{marker}'")
        if marker in line:
            return int(re.search(r":(\d+)\s*$", line.strip()).group(1))
    raise RuntimeError(f"no '{marker}' line in time")


def postgres_database(name):
    port = os.environ["CAREGATE_TEST_PG_PORT"]
    database = f"{name}_{os.getpid()}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-q", "-c",
                    f"CREATE DATABASE {database}"], check=True, capture_output=True)
    return f"host=127.0.0.1 port={port} user=postgres dbname={database}", database


def psql(sql):
    port = os.environ["CAREGATE_TEST_PG_PORT"]
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-q", "-c", sql],
                   check=True, capture_output=True)


class Stories(unittest.TestCase):
    view_requests = 0

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="caregate-stories-")
        root = cls.tmp.name
        certs = os.path.join(root, "certs")
        subprocess.run(["bash", MAKE_CERTS, certs], check=True, capture_output=True)
        data = os.path.join(root, "data")
        demo = os.path.join(data, "demo")
        # The same synthetic people caregate makes for itself (seed 1, 200).
        subprocess.run([CAREGATECTL, "demo-data", "--people", "200", "--seed", "1",
                        "--out", demo], check=True, capture_output=True)
        with open(os.path.join(demo, "cld-events.csv"), newline="") as f:
            practice = {}
            for row in csv.DictReader(f):
                if row["NHS Number"] and not row["Date of Death"]:
                    practice[row["NHS Number"]] = row["GP Practice Code"]
        with open(os.path.join(demo, "gp", "index.json")) as f:
            index = json.load(f)
        people = [n for n in index if n in practice]
        cls.practice = practice
        # One person per story, each with the provider scenario it needs.
        names = ["sw", "gp", "int", "none", "emergency", "slow", "down", "dissent",
                 "withdrawn"]
        cls.person = dict(zip(names, people))
        scenarios = {"slow": "slow:4000", "down": "503", "dissent": "dissent",
                     "withdrawn": "slow:1500"}
        provider_index = {}
        for nhs, file in index.items():
            entry = os.path.join(demo, "gp", file)
            for story, scenario in scenarios.items():
                if cls.person[story] == nhs:
                    entry = {"bundle": entry, "scenario": scenario}
            provider_index[nhs] = entry
        with open(os.path.join(root, "provider-index.json"), "w") as f:
            json.dump(provider_index, f)
        cls.provider = subprocess.Popen(
            ["/usr/bin/python3", PROVIDER, "--port", "0", "--cert", f"{certs}/server.pem",
             "--key", f"{certs}/server.key", "--ca", f"{certs}/ca.pem", "--index",
             os.path.join(root, "provider-index.json"), "--asid", "918999198993"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        provider_port = read_port(cls.provider, "gpconnect provider listening on")

        if ENGINE == "postgres":
            council, _ = postgres_database("stories_council")
            audit, cls.audit_database = postgres_database("stories_audit")
            council_store = f"postgres: {{ conninfo: '{council}' }}"
            audit_store = f"postgres: {{ conninfo: '{audit}' }}"
            cls.audit_target = audit
        else:
            council_store = "sqlite: { path: demo/council.db }"
            audit_store = "sqlite: { path: audit.db }"
            cls.audit_target = os.path.join(data, "audit.db")
        with open(os.path.join(SOURCE, "deploy", "demo.yaml")) as f:
            demo_yaml = f.read()
        consent_block = demo_yaml[demo_yaml.index("consent:\n"):demo_yaml.index("audit:\n")]
        cls.config = os.path.join(root, "caregate.yaml")
        with open(cls.config, "w") as f:
            f.write(f"""server:
  listen_address: 127.0.0.1:0
  metrics_address: 127.0.0.1:0
data_dir: {data}
adapters:
  gp:
    gpconnect:
      service_root: https://127.0.0.1:{provider_port}/A99001/STU3/1/gpconnect/structured
      from_asid: "200000000359"
      to_asid: "918999198993"
      client_cert_file: {certs}/client.pem
      client_key_file: {certs}/client.key
      ca_file: {certs}/ca.pem
      timeout: 10s
      requesting_organisation_ods: {COUNCIL}
  social_care:
    council_sql:
      council_ods_code: {COUNCIL}
      store: {{ {council_store} }}
{consent_block}audit:
  store: {{ {audit_store} }}
  signing_key_file: keys/audit-signing.key.pem
""")
        cls.log = open(os.path.join(root, "caregate.log"), "w")
        cls.start_caregate()
        cls.tokens = {}

    @classmethod
    def start_caregate(cls):
        cls.caregate = subprocess.Popen(
            [CAREGATE, "--config", cls.config], stdout=subprocess.PIPE, stderr=cls.log,
            text=True)
        port = read_port(cls.caregate, "caregate listening on")
        cls.address = f"127.0.0.1:{port}"
        cls.channel = grpc.insecure_channel(cls.address)
        cls.records = records_pb2_grpc.RecordServiceStub(cls.channel)

    @staticmethod
    def stop(process):
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()

    @classmethod
    def restart_caregate(cls):
        cls.channel.close()
        cls.stop(cls.caregate)
        cls.start_caregate()

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        for p in (cls.caregate, cls.provider):
            cls.stop(p)
        cls.log.close()
        cls.tmp.cleanup()

    # --- helpers -------------------------------------------------------------

    @classmethod
    def token(cls, role, user, org):
        key = (role, user, org)
        if key not in cls.tokens:
            out = subprocess.run([CAREGATECTL, "token", "--config", cls.config, "--role", role,
                                  "--user", user, "--org", org],
                                 check=True, capture_output=True, text=True).stdout
            cls.tokens[key] = out.strip()
        return cls.tokens[key]

    def ctl(self, token, *args):
        return subprocess.run([CAREGATECTL, "--address", self.address, "--token", token,
                               *args], capture_output=True, text=True)

    def consent(self, story, direction, decision="permit"):
        token = self.token("social_worker", "sw-001", COUNCIL)
        r = self.ctl(token, "consent", "record", "--nhs-number", self.person[story],
                     "--direction", direction, "--decision", decision, "--decided-by",
                     "person", "--method", "verbal")
        self.assertEqual(r.returncode, 0, r.stderr)

    def ask(self, method, story, token, timeout=10, emergency=None):
        request = records_pb2.SummaryRequest(nhs_number=self.person[story], purpose=DIRECT_CARE)
        if emergency:
            request.emergency_access.CopyFrom(emergency)
        Stories.view_requests += 1
        return getattr(self.records, method)(
            request, timeout=timeout, metadata=[("authorization", f"Bearer {token}")])

    def social_worker(self):
        return self.token("social_worker", "sw-001", COUNCIL)

    def gp(self, story):
        return self.token("gp", "gp-001", self.practice[self.person[story]])

    def int_member(self):
        return self.token("int_member", "int-001", "INT-NORTH")

    def sources(self, disclosure):
        return {s.source: s.status for s in disclosure.sources}

    # --- the stories ---------------------------------------------------------

    def test_social_worker_pulls_the_gp_summary(self):
        self.consent("sw", "gp-to-social-care")
        reply = self.ask("GetGpSummary", "sw", self.social_worker())
        summary = reply.gp_summary
        self.assertEqual(summary.demographics.nhs_number, self.person["sw"])
        self.assertGreater(len(summary.medications) + len(summary.problems), 0)
        self.assertEqual(reply.disclosure.basis, common_pb2.DISCLOSURE_BASIS_CONSENT)
        self.assertEqual(self.sources(reply.disclosure)[common_pb2.SOURCE_KIND_GP],
                         common_pb2.SOURCE_STATUS_ANSWERED)

    def test_gp_pulls_the_social_care_summary(self):
        self.consent("gp", "social-care-to-gp")
        reply = self.ask("GetSocialCareSummary", "gp", self.gp("gp"))
        summary = reply.social_care_summary
        self.assertEqual(summary.demographics.nhs_number, self.person["gp"])
        self.assertEqual(summary.responsible_local_authority.ods_code, COUNCIL)
        self.assertNotEqual(summary.care_plan.status, 0)

    def test_int_member_pulls_the_combined_profile(self):
        self.consent("int", "integrated-team")
        reply = self.ask("GetCombinedProfile", "int", self.int_member())
        profile = reply.combined_profile
        self.assertTrue(profile.HasField("gp_summary"))
        self.assertTrue(profile.HasField("social_care_summary"))
        self.assertEqual(len(profile.identity_check.fields), 4)
        self.assertNotEqual(profile.identity_check.overall, 0)

    def test_refused_without_consent(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.ask("GetGpSummary", "none", self.social_worker())
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error_reason(caught.exception), "NO_CONSENT")

    def test_emergency_access_is_permitted_and_awaits_review(self):
        emergency = common_pb2.EmergencyAccess(
            reason=common_pb2.EMERGENCY_REASON_EMERGENCY_TREATMENT,
            justification="Found collapsed at home;\nunable to consent")
        reply = self.ask("GetSocialCareSummary", "emergency", self.gp("emergency"),
                         emergency=emergency)
        self.assertEqual(reply.disclosure.basis, common_pb2.DISCLOSURE_BASIS_EMERGENCY_ACCESS)
        officer = self.token("privacy_officer", "po-001", COUNCIL)
        audit = audit_pb2_grpc.AuditServiceStub(self.channel)
        pending = audit.ListEmergencyAccesses(
            audit_pb2.ListEmergencyAccessesRequest(state=audit_pb2.REVIEW_STATE_AWAITING_REVIEW),
            timeout=10, metadata=[("authorization", f"Bearer {officer}")])
        self.assertIn(reply.disclosure.audit_index,
                      [r.access.index for r in pending.records])
        # The token broke the glass once; replayed, it is refused (and audited).
        with self.assertRaises(grpc.RpcError) as caught:
            self.ask("GetSocialCareSummary", "emergency", self.gp("emergency"),
                     emergency=emergency)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error_reason(caught.exception), "EMERGENCY_TOKEN_ALREADY_USED")
        # A restart does not free it: caregate reads the audit log's recent
        # emergency accesses when it starts.
        self.restart_caregate()
        with self.assertRaises(grpc.RpcError) as caught:
            self.ask("GetSocialCareSummary", "emergency", self.gp("emergency"),
                     emergency=emergency)
        self.assertEqual(error_reason(caught.exception), "EMERGENCY_TOKEN_ALREADY_USED")

    def test_slow_gp_source_the_social_care_half_still_answers(self):
        self.consent("slow", "integrated-team")
        started = time.monotonic()
        reply = self.ask("GetCombinedProfile", "slow", self.int_member(), timeout=2)
        self.assertLess(time.monotonic() - started, 2.5)
        self.assertTrue(reply.combined_profile.HasField("social_care_summary"))
        self.assertFalse(reply.combined_profile.HasField("gp_summary"))
        self.assertEqual(self.sources(reply.disclosure)[common_pb2.SOURCE_KIND_GP],
                         common_pb2.SOURCE_STATUS_TIMED_OUT)

    def test_gp_source_down_the_combined_profile_says_so(self):
        self.consent("down", "integrated-team")
        reply = self.ask("GetCombinedProfile", "down", self.int_member())
        self.assertTrue(reply.combined_profile.HasField("social_care_summary"))
        self.assertEqual(self.sources(reply.disclosure)[common_pb2.SOURCE_KIND_GP],
                         common_pb2.SOURCE_STATUS_UNAVAILABLE)

    def test_gp_source_refuses_for_dissent_at_the_practice(self):
        self.consent("dissent", "gp-to-social-care")
        with self.assertRaises(grpc.RpcError) as caught:
            self.ask("GetGpSummary", "dissent", self.social_worker())
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(error_reason(caught.exception), "SOURCE_REFUSED")

    def test_consent_withdrawn_mid_request_releases_nothing(self):
        self.consent("withdrawn", "gp-to-social-care")
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(self.ask, "GetGpSummary", "withdrawn", self.social_worker())
            time.sleep(0.5)  # the GP source answers after 1.5 s
            r = self.ctl(self.social_worker(), "consent", "withdraw", "--nhs-number",
                         self.person["withdrawn"], "--direction", "gp-to-social-care",
                         "--decided-by", "person", "--method", "verbal", "--reason",
                         "changed their mind")
            self.assertEqual(r.returncode, 0, r.stderr)
            with self.assertRaises(grpc.RpcError) as caught:
                pending.result()
        self.assertEqual(error_reason(caught.exception), "CONSENT_WITHDRAWN")

    def test_zz_audit_holds_one_entry_per_request_and_verifies(self):
        officer = self.token("privacy_officer", "po-001", COUNCIL)
        audit = audit_pb2_grpc.AuditServiceStub(self.channel)
        views = 0
        token = ""
        while True:
            page = audit.ListAuditEvents(
                audit_pb2.ListAuditEventsRequest(page_size=1000, page_token=token), timeout=10,
                metadata=[("authorization", f"Bearer {officer}")])
            views += sum(1 for e in page.entries if e.action in (
                audit_pb2.AUDIT_ACTION_GET_GP_SUMMARY,
                audit_pb2.AUDIT_ACTION_GET_SOCIAL_CARE_SUMMARY,
                audit_pb2.AUDIT_ACTION_GET_COMBINED_PROFILE))
            token = page.next_page_token
            if not token:
                break
        self.assertEqual(views, Stories.view_requests)
        head = os.path.join(self.tmp.name, "tree-head.json")
        key = os.path.join(self.tmp.name, "audit-key.pem")
        r = self.ctl(officer, "audit", "tree-head", "--out", head, "--public-key-out", key)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([CAREGATECTL, "audit", "verify", "--db", self.audit_target,
                            "--tree-head", head, "--public-key", key],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    @unittest.skipUnless(ENGINE == "postgres", "needs a store that can be taken away")
    def test_zzz_audit_store_unavailable_releases_nothing(self):
        self.consent("sw", "gp-to-social-care")
        psql(f"ALTER DATABASE {self.audit_database} ALLOW_CONNECTIONS false")
        psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             f"WHERE datname = '{self.audit_database}'")
        with self.assertRaises(grpc.RpcError) as caught:
            self.ask("GetGpSummary", "sw", self.social_worker())
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(error_reason(caught.exception), "AUDIT_UNAVAILABLE")


if __name__ == "__main__":
    unittest.main(verbosity=2)
