# Collector load generator (bench/collector_bench.sh drives it).
pkg_check_modules(COLLECTOR_BENCH_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_executable(bench_collector_load ${CMAKE_CURRENT_SOURCE_DIR}/collector_load.cpp)
target_link_libraries(bench_collector_load PRIVATE clt_aggregate clt_proto PkgConfig::COLLECTOR_BENCH_HTTPLIB Threads::Threads)
clt_target_warnings(bench_collector_load)
