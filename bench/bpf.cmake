# The eBPF datapath: the tc program per packet (BPF_PROG_TEST_RUN), span
# edges through the setsockopt hook, TCP bulk throughput with iperf3.
add_executable(bench_bpf bpf_bench.cpp)
target_include_directories(bench_bpf PRIVATE ${CLT_SOURCE_DIR}/tests)
target_link_libraries(bench_bpf PRIVATE clt_bpf benchmark::benchmark)
clt_target_warnings(bench_bpf)

add_executable(bench_datapath_throughput datapath_throughput.cpp)
target_include_directories(bench_datapath_throughput PRIVATE ${CLT_SOURCE_DIR}/tests)
target_link_libraries(bench_datapath_throughput PRIVATE clt_bpf clt_topo Threads::Threads)
clt_target_warnings(bench_datapath_throughput)

# Ids read on the wire: the tc program on a 1 KiB request header.
add_executable(bench_bpf_wire bpf_wire_bench.cpp)
target_include_directories(bench_bpf_wire PRIVATE ${CLT_SOURCE_DIR}/tests)
target_link_libraries(bench_bpf_wire PRIVATE clt_bpf benchmark::benchmark)
clt_target_warnings(bench_bpf_wire)

# Zero-code HTTP requests/s through the default topology (bench/zero_code_bench.sh).
add_executable(bench_zero_code_load zero_code_load.cpp)
target_link_libraries(bench_zero_code_load PRIVATE clt_demo Threads::Threads)
clt_target_warnings(bench_zero_code_load)
