#include "tracing/tracer.h"

#include <algorithm>

namespace clt::tracing {

struct Tracer::Shared {
  const Resource* resource;
  const Sampler* sampler;
  SpanProcessor* processor;
  IdGenerator* id_generator;
  const SpanLimits* limits;
};

std::uint64_t now_unix_nano() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

namespace {

void truncate_attributes(Attributes& attributes, std::uint32_t limit, std::uint32_t& dropped) {
  if (attributes.size() > limit) {
    dropped += static_cast<std::uint32_t>(attributes.size() - limit);
    attributes.resize(limit);
  }
}

}  // namespace

Span::Span(Span&& other) noexcept
    : data_(std::move(other.data_)), processor_(other.processor_), limits_(other.limits_) {
  other.processor_ = nullptr;
}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    data_ = std::move(other.data_);
    processor_ = other.processor_;
    limits_ = other.limits_;
    other.processor_ = nullptr;
  }
  return *this;
}

Span& Span::set_attribute(std::string_view key, AttributeValue value) {
  if (!is_recording()) return *this;
  for (auto& attribute : data_.attributes) {
    if (attribute.key == key) {
      attribute.value = std::move(value);
      return *this;
    }
  }
  if (data_.attributes.size() >= limits_->max_attributes) {
    ++data_.dropped_attributes_count;
    return *this;
  }
  data_.attributes.push_back({std::string(key), std::move(value)});
  return *this;
}

Span& Span::add_event(std::string_view name, Attributes attributes) {
  return add_event(name, now_unix_nano(), std::move(attributes));
}

Span& Span::add_event(std::string_view name, std::uint64_t time_unix_nano, Attributes attributes) {
  if (!is_recording()) return *this;
  if (data_.events.size() >= limits_->max_events) {
    ++data_.dropped_events_count;
    return *this;
  }
  Event event{time_unix_nano, std::string(name), std::move(attributes), 0};
  truncate_attributes(event.attributes, limits_->max_attributes_per_event,
                      event.dropped_attributes_count);
  data_.events.push_back(std::move(event));
  return *this;
}

Span& Span::add_link(const SpanContext& context, Attributes attributes) {
  if (!is_recording() || !context.is_valid()) return *this;
  if (data_.links.size() >= limits_->max_links) {
    ++data_.dropped_links_count;
    return *this;
  }
  Link link{context, std::move(attributes), 0};
  truncate_attributes(link.attributes, limits_->max_attributes_per_link,
                      link.dropped_attributes_count);
  data_.links.push_back(std::move(link));
  return *this;
}

Span& Span::set_status(StatusCode code, std::string_view message) {
  if (!is_recording() || code == StatusCode::unset || data_.status_code == StatusCode::ok)
    return *this;
  data_.status_code = code;
  data_.status_message = code == StatusCode::error ? std::string(message) : std::string();
  return *this;
}

Span& Span::update_name(std::string_view name) {
  if (is_recording()) data_.name = name;
  return *this;
}

void Span::end() {
  if (processor_ != nullptr) end(now_unix_nano());
}

void Span::end(std::uint64_t end_time_unix_nano) {
  if (processor_ == nullptr) return;
  SpanProcessor* processor = processor_;
  processor_ = nullptr;
  data_.end_time_unix_nano = std::max(end_time_unix_nano, data_.start_time_unix_nano);
  processor->on_end(std::move(data_));
}

Span Tracer::start_span(std::string_view name, StartSpanOptions options) {
  Span span;
  const SpanContext* parent =
      options.parent != nullptr && options.parent->is_valid() ? options.parent : nullptr;
  SpanContext& context = span.data_.context;
  context.trace_id = parent != nullptr ? parent->trace_id : shared_->id_generator->new_trace_id();
  context.span_id = shared_->id_generator->new_span_id();
  if (parent != nullptr) {
    context.trace_state = parent->trace_state;
    span.data_.parent_span_id = parent->span_id;
    span.data_.parent_is_remote = parent->is_remote;
  }
  const SamplingDecision decision =
      shared_->sampler->should_sample(parent, context.trace_id, name, options.kind);
  context.trace_flags = decision == SamplingDecision::record_and_sample ? kTraceFlagSampled : 0;
  // Recording but not sampled spans would reach no exporter: treat them as dropped.
  if (decision != SamplingDecision::record_and_sample || shared_->processor == nullptr) return span;

  SpanData& data = span.data_;
  data.name = name;
  data.kind = options.kind;
  data.start_time_unix_nano =
      options.start_time_unix_nano != 0 ? options.start_time_unix_nano : now_unix_nano();
  data.attributes = std::move(options.attributes);
  truncate_attributes(data.attributes, shared_->limits->max_attributes,
                      data.dropped_attributes_count);
  data.links = std::move(options.links);
  if (data.links.size() > shared_->limits->max_links) {
    data.dropped_links_count =
        static_cast<std::uint32_t>(data.links.size() - shared_->limits->max_links);
    data.links.resize(shared_->limits->max_links);
  }
  data.scope = &scope_;
  data.resource = shared_->resource;
  span.processor_ = shared_->processor;
  span.limits_ = shared_->limits;
  return span;
}

TracerProvider::TracerProvider(TracerProviderOptions options) : options_(std::move(options)) {
  if (!options_.sampler) options_.sampler = make_parent_based_sampler(make_always_on_sampler());
  if (!options_.id_generator) options_.id_generator = std::make_unique<RandomIdGenerator>();
  shared_ = std::make_unique<Tracer::Shared>(
      Tracer::Shared{&options_.resource, options_.sampler.get(), options_.processor.get(),
                     options_.id_generator.get(), &options_.limits});
}

TracerProvider::~TracerProvider() {
  shutdown();
}

Tracer& TracerProvider::tracer(std::string_view name, std::string_view version) {
  std::lock_guard lock(tracers_mutex_);
  for (auto& tracer : tracers_) {
    if (tracer.scope_.name == name && tracer.scope_.version == version) return tracer;
  }
  tracers_.push_back(
      Tracer(*shared_, InstrumentationScope{std::string(name), std::string(version)}));
  return tracers_.back();
}

bool TracerProvider::force_flush(std::chrono::milliseconds timeout) {
  return options_.processor == nullptr || options_.processor->force_flush(timeout);
}

void TracerProvider::shutdown() {
  std::lock_guard lock(tracers_mutex_);
  if (shut_down_) return;
  shut_down_ = true;
  if (options_.processor) {
    options_.processor->force_flush(std::chrono::seconds(30));
    options_.processor->shutdown();
  }
}

Resource make_resource(std::string_view service_name, Attributes extra) {
  Resource resource;
  resource.attributes.push_back({"service.name", std::string(service_name)});
  resource.attributes.push_back({"telemetry.sdk.name", "clt"});
  resource.attributes.push_back({"telemetry.sdk.language", "cpp"});
  resource.attributes.push_back({"telemetry.sdk.version", "0.1.0"});
  for (auto& attribute : extra) {
    auto it = std::find_if(resource.attributes.begin(), resource.attributes.end(),
                           [&](const Attribute& a) { return a.key == attribute.key; });
    if (it != resource.attributes.end()) {
      it->value = std::move(attribute.value);
    } else {
      resource.attributes.push_back(std::move(attribute));
    }
  }
  return resource;
}

}  // namespace clt::tracing
