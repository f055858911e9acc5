# Agent benchmarks: per-core decode/pair/encode (bench_agent), and the live
# capture benchmark's programs: a CLT traffic generator and a bare capture
# loop on the agent's ring setup (bench/agent_live.sh drives them).
add_executable(bench_agent ${CMAKE_CURRENT_SOURCE_DIR}/agent_bench.cpp)
target_link_libraries(bench_agent PRIVATE clt_agent benchmark::benchmark)
clt_target_warnings(bench_agent)

add_executable(bench_agent_traffic ${CMAKE_CURRENT_SOURCE_DIR}/agent_traffic.cpp)
target_link_libraries(bench_agent_traffic PRIVATE clt_core)
clt_target_warnings(bench_agent_traffic)

add_executable(bench_agent_bare_capture ${CMAKE_CURRENT_SOURCE_DIR}/agent_bare_capture.cpp)
target_link_libraries(bench_agent_bare_capture PRIVATE clt_capture)
clt_target_warnings(bench_agent_bare_capture)
