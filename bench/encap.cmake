# Encapsulation: enable+disable cost (Google Benchmark) and request latency
# with and without CLT over the default topology (own load generator).
add_executable(bench_encap encap_bench.cpp)
target_include_directories(bench_encap PRIVATE ${CLT_SOURCE_DIR}/tests)
target_link_libraries(bench_encap PRIVATE clt_encap benchmark::benchmark)
clt_target_warnings(bench_encap)

add_executable(bench_encap_latency encap_latency.cpp)
target_include_directories(bench_encap_latency PRIVATE ${CLT_SOURCE_DIR}/tests)
target_link_libraries(bench_encap_latency PRIVATE clt_encap clt_bpf clt_topo Threads::Threads)
clt_target_warnings(bench_encap_latency)
