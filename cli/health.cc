#include <iostream>

#include "cli/commands.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace caregate::cli {

int RunHealth(const ConnectionOptions& connection,
              const std::vector<std::string>& argv) {
  const Command& self = CommandNamed("health");
  auto args = Args::Parse(argv, {});
  if (!args.ok()) return UsageError(self, args.status().message());
  if (auto s = args->OnlyKnown({"service"}); !s.ok()) return UsageError(self, s.message());

  auto stub = grpc::health::v1::Health::NewStub(connection.Channel());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(args->Get("service"));
  grpc::health::v1::HealthCheckResponse response;
  auto context = connection.Context();
  if (!context.ok()) return UsageError(self, context.status().message());
  grpc::Status status = stub->Check(context->get(), request, &response);
  if (!status.ok()) return PrintRpcError(status);
  if (connection.json) {
    PrintMessage(connection, response);
  } else {
    std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                     response.status())
              << "\n";
  }
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace caregate::cli
