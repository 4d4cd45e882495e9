#!/usr/bin/python3
"""An independent client for caregate: Debian's python3-grpcio with stubs
generated from the project's protos. Starts the real caregate binary on its
embedded default and checks what any gRPC client would see.

Usage: client_test.py CAREGATE_BINARY CAREGATECTL_BINARY PYTHON_STUB_DIR
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

CAREGATE, CAREGATECTL = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
del sys.argv[1:4]

import grpc  # noqa: E402
import google  # noqa: E402

# The generated grpc.health and google.rpc modules live beside Debian's grpc
# and google packages; let those packages find them.
grpc.__path__.append(os.path.join(sys.path[0], "grpc"))
google.__path__.append(os.path.join(sys.path[0], "google"))

from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from grpc.health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from caregate.v1 import common_pb2, records_pb2, records_pb2_grpc  # noqa: E402


def error_reason(error):
    """The google.rpc.ErrorInfo reason in a failed call's rich status."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


class CaregateFromPython(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.server = subprocess.Popen(
            [CAREGATE, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0", "--data_dir=" + cls.dir.name],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = cls.server.stdout.readline()
        port = re.search(r"listening on .*:(\d+)", line).group(1)
        cls.channel = grpc.insecure_channel("127.0.0.1:" + port)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.terminate()
        cls.server.wait(timeout=20)
        cls.server.stdout.close()
        cls.dir.cleanup()

    def test_health_is_serving(self):
        stub = health_pb2_grpc.HealthStub(self.channel)
        reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
        self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING)

    def test_invalid_nhs_number_names_the_rule_without_echoing_it(self):
        token = subprocess.run(
            [CAREGATECTL, "token", "--role", "social_worker", "--user", "sw-001", "--org",
             "X99LA", "--data-dir", self.dir.name], check=True, capture_output=True,
            text=True).stdout.strip()
        metadata = [("authorization", "Bearer " + token)]
        stub = records_pb2_grpc.RecordServiceStub(self.channel)
        request = records_pb2.SummaryRequest(
            nhs_number="9434765918",
            purpose=common_pb2.PURPOSE_OF_USE_DIRECT_CARE)
        for method in (stub.GetGpSummary, stub.GetSocialCareSummary,
                       stub.GetCombinedProfile):
            with self.assertRaises(grpc.RpcError) as caught:
                method(request, timeout=10, metadata=metadata)
            error = caught.exception
            self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertEqual(error_reason(error), "INVALID_NHS_NUMBER")
            self.assertNotIn("9434765918", error.details())


if __name__ == "__main__":
    unittest.main(verbosity=2)
