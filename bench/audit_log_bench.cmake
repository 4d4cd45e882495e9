# The audit log's durable append rate (bench/audit_log_bench.cc).
find_package(benchmark CONFIG REQUIRED)
add_executable(audit_log_bench ${CMAKE_CURRENT_LIST_DIR}/audit_log_bench.cc)
target_link_libraries(audit_log_bench PRIVATE caregate_audit SQLite::SQLite3
  benchmark::benchmark)
