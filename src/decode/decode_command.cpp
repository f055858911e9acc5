#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/layout_options.h"
#include "core/packet.h"
#include "core/trace_json.h"
#include "decode/pcap_reader.h"

namespace {

struct Counts {
  std::uint64_t frames = 0;
  std::uint64_t traces = 0;
  std::uint64_t not_ioam = 0;
  std::uint64_t errors = 0;
};

}  // namespace

int clt::cli::run_decode(int argc, char** argv) {
  CLI::App app{"Decode IOAM / CLT traces from a pcap or pcapng file; one JSON object per line",
               "clt decode"};
  cli::LayoutOptions layout;
  std::string file;
  bool quiet = false;
  cli::add_layout_options(app, layout);
  app.add_flag("-q,--quiet", quiet, "no summary on stderr");
  app.add_option("FILE", file, "capture file (pcap or pcapng)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  core::LayoutPolicy policy;
  if (!cli::layout_policy(layout, "decode", policy)) return 2;

  std::string error;
  auto reader = decode::PcapReader::open(file, error);
  if (!reader) {
    std::fprintf(stderr, "clt decode: cannot read '%s' as a capture: %s\n", file.c_str(),
                 error.c_str());
    return 1;
  }
  if (!reader->link_type()) {
    std::fprintf(stderr,
                 "clt decode: '%s' has link type %d; supported: Ethernet, raw IPv6, Linux cooked "
                 "(SLL, SLL2)\n",
                 file.c_str(), reader->dlt());
    return 1;
  }

  auto packet = std::make_unique<core::DecodedPacket>();
  Counts counts;
  std::string line;
  line.reserve(4096);
  while (auto frame = reader->next()) {
    ++counts.frames;
    const core::DecodeError e =
        core::decode_packet(frame->bytes, *reader->link_type(), policy, *packet, frame->wire_size);
    line.clear();
    core::JsonContext ctx{.frame = counts.frames,
                          .time_sec = frame->time_sec,
                          .time_usec = frame->time_usec,
                          .src = &packet->src,
                          .dst = &packet->dst,
                          .truncated = packet->truncated,
                          .direction = std::nullopt};
    for (std::size_t i = 0; i < packet->trace_count; ++i) {
      core::append_trace_json(line, packet->traces[i], ctx);
      line += '\n';
      ++counts.traces;
    }
    if (e != core::DecodeError::kOk) {
      if (core::is_not_ioam(e)) {
        ++counts.not_ioam;
      } else {
        core::append_error_json(line, counts.frames, e);
        line += '\n';
        ++counts.errors;
      }
    }
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  if (!reader->error().empty()) {
    std::fprintf(stderr, "clt decode: '%s' is cut short after frame %llu: %s\n", file.c_str(),
                 static_cast<unsigned long long>(counts.frames), reader->error().c_str());
    return 1;
  }
  if (!quiet) {
    std::fprintf(stderr,
                 "clt decode: %llu frames, %llu IOAM traces, %llu without IOAM, %llu malformed\n",
                 static_cast<unsigned long long>(counts.frames),
                 static_cast<unsigned long long>(counts.traces),
                 static_cast<unsigned long long>(counts.not_ioam),
                 static_cast<unsigned long long>(counts.errors));
  }
  return 0;
}
