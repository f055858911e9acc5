# Tracing: span start+end cost on the caller's thread, OTLP export throughput.
# bench/tracing_node_bench.js measures the official Node.js SDK the same way.
pkg_check_modules(BENCH_TRACING_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_executable(bench_tracing tracing_bench.cpp)
target_link_libraries(bench_tracing PRIVATE clt_tracing benchmark::benchmark PkgConfig::BENCH_TRACING_HTTPLIB)
clt_target_warnings(bench_tracing)
