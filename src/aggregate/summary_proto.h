#pragma once

// The one mapping between a span's aggregate and its clt.v1 message.

#include <string>

#include "aggregate/span_aggregate.h"
#include "clt/v1/telemetry.pb.h"

namespace clt::aggregate {

// Fills out from a (its samples are the caller's), reusing out's storage.
void encode_summary(const SpanAggregate& a, clt::v1::SpanSummary& out);

// Reads a received summary into out. False with `error` saying what is wrong
// when it cannot be a real span's summary (ids of the wrong size, a sketch of
// another accuracy or whose counts do not add up, more hops than an IOAM
// option holds, hop packets above the span's); out is then unspecified.
bool decode_summary(const clt::v1::SpanSummary& in, SpanAggregate& out, std::string& error);

}  // namespace clt::aggregate
