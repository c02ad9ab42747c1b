#include "rvprof/collector.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "rvprof/clock.h"

namespace rvprof {
namespace {

std::atomic<uint64_t> g_generations{1};


size_t pow2_at_least(size_t n) {
  size_t p = 16;
  while (p < n) p <<= 1;
  return p;
}

inline size_t hash_address(uintptr_t a) {
  uint64_t x = static_cast<uint64_t>(a) >> 2;
  x *= 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(x >> 32);
}

}  // namespace

thread_local CollectorTls t_collector_tls;

const char ThreadBuffer::kExitTag[] = "<exit>";
const char ThreadBuffer::kWindowTag[] = "<window>";

ThreadBuffer::ThreadBuffer(const CollectorOptions& o)
    : slots_(pow2_at_least(o.max_functions * 2)),
      order_(o.max_functions),
      max_functions_(o.max_functions),
      nodes_(o.max_nodes < 1 ? 1 : o.max_nodes),
      stack_(o.max_depth),
      events_(o.max_events),
      log_(o.max_log < 2 ? 2 : o.max_log),
      log_pos_(log_.data()),
      log_end_(log_.data() + log_.size()) {}

// A new window's marker first (and a drain when there is no room for both), or a drain.
void ThreadBuffer::log(uint32_t window, uint64_t t, uintptr_t address, const char* tag) noexcept {
  if (window != logged_window_) {
    if (log_end_ - log_pos_ < 2) drain();  // room for the marker and the event
    logged_window_ = window;
    *log_pos_++ = RawEvent{window, 0, kWindowTag};
  }
  if (log_pos_ == log_end_) drain();
  *log_pos_++ = RawEvent{t, address, tag};
}

void ThreadBuffer::drain() noexcept {
  for (const RawEvent* p = log_.data(); p != log_pos_; ++p) {
    const RawEvent& e = *p;
    if (e.name == kWindowTag) {
      sync_window(static_cast<uint32_t>(e.t));
    } else if (e.name == kExitTag) {
      on_exit(e.address, e.t);
    } else {
      on_entry(e.address, e.name, e.t);
    }
  }
  log_pos_ = log_.data();
}

uint32_t ThreadBuffer::intern(uintptr_t address, const char* name) noexcept {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash_address(address) & mask;; i = (i + 1) & mask) {
    FunctionSlot& s = slots_[i];
    if (s.address == address) return s.index;
    if (s.address == 0) {
      if (function_count_ >= max_functions_) return kNoIndex;
      s.address = address;
      if (name) {
        std::strncpy(s.name, name, kNameCapacity - 1);
        s.name[kNameCapacity - 1] = '\0';
      }
      order_[function_count_] = static_cast<uint32_t>(i);
      s.index = static_cast<uint32_t>(function_count_);
      return static_cast<uint32_t>(function_count_++);
    }
  }
}

uint32_t ThreadBuffer::child_of(uint32_t node, uint32_t function) noexcept {
  if (node == kNoIndex) return kNoIndex;
  uint32_t c = nodes_[node].first_child;
  for (; c != kNoIndex; c = nodes_[c].next_sibling)
    if (nodes_[c].function == function) return c;
  if (node_count_ >= nodes_.size()) return kNoIndex;
  const uint32_t n = static_cast<uint32_t>(node_count_++);
  TreeNode& t = nodes_[n];
  t.function = function;
  t.parent = node;
  t.next_sibling = nodes_[node].first_child;
  nodes_[node].first_child = n;
  return n;
}

void ThreadBuffer::on_entry(uintptr_t address, const char* name, uint64_t t) noexcept {
  if (skipped_depth_ > 0 || depth_ >= stack_.size()) {
    ++skipped_depth_;
    ++counters_.too_deep;
    return;
  }
  uint32_t f = intern(address, name);
  if (f == kNoIndex) {
    // Not a function we can account: treat like a frame we do not trace, but keep the
    // pairing by pushing it as a skipped level.
    ++skipped_depth_;
    ++counters_.too_many_functions;
    return;
  }
  const uint32_t parent = depth_ == 0 ? 0u : stack_[depth_ - 1].node;
  const uint32_t node = child_of(parent, f);
  if (node == kNoIndex) ++counters_.tree_full;
  ++slots_[order_[f]].active;
  stack_[depth_++] = Frame{address, f, node, t, 0};
}

void ThreadBuffer::close_top(uint64_t t) noexcept {
  Frame& fr = stack_[--depth_];
  const uint64_t incl = t > fr.start_ns ? t - fr.start_ns : 0;
  const uint64_t self = incl > fr.child_ns ? incl - fr.child_ns : 0;
  FunctionSlot& s = slots_[order_[fr.function]];
  ++s.calls;
  s.self_ns += self;
  if (--s.active == 0) s.total_ns += incl;
  if (fr.node != kNoIndex) {
    TreeNode& n = nodes_[fr.node];
    ++n.calls;
    n.self_ns += self;
    n.total_ns += incl;
  }
  if (depth_ > 0) stack_[depth_ - 1].child_ns += incl;
  if (event_count_ < events_.size()) {
    events_[event_count_++] =
        TraceEvent{fr.start_ns, incl, fr.function, static_cast<uint32_t>(depth_)};
  } else {
    ++counters_.dropped_events;
  }
}

void ThreadBuffer::start_window(uint32_t window) noexcept {
  window_ = window;
  counters_.cut_frames += depth_;
  while (depth_ > 0) --slots_[order_[stack_[--depth_].function]].active;
  skipped_depth_ = 0;
}

void ThreadBuffer::on_exit(uintptr_t address, uint64_t t) noexcept {
  if (skipped_depth_ > 0) {
    --skipped_depth_;
    return;
  }
  size_t match = depth_;
  while (match > 0 && stack_[match - 1].address != address) --match;
  if (match == 0) {
    ++counters_.unmatched_exits;
    return;
  }
  while (depth_ > match) {
    close_top(t);
    ++counters_.closed_unpaired;
  }
  close_top(t);
}

Collector::Collector(const CollectorOptions& options)
    : options_(options), generation_(g_generations.fetch_add(1, std::memory_order_relaxed)) {
  buffers_.reserve(options_.max_threads);
  for (size_t i = 0; i < options_.max_threads; ++i)
    buffers_.push_back(std::make_unique<ThreadBuffer>(options_));
}

ThreadBuffer* Collector::claim() noexcept {
  CollectorTls& c = t_collector_tls;
  const size_t i = claimed_.fetch_add(1, std::memory_order_relaxed);
  ThreadBuffer* b = nullptr;
  if (i < buffers_.size()) {
    b = buffers_[i].get();
    b->tid_ = static_cast<int>(::syscall(SYS_gettid));
  } else {
    threads_dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  c.generation = generation_;
  c.buffer = b;
  return b;
}

void Collector::drain() noexcept {
  for (size_t i = 0; i < thread_count(); ++i) buffers_[i]->drain();
}

void Collector::log_slow(uint32_t window, uintptr_t address, const char* tag,
                         uint64_t t) noexcept {
  if (ThreadBuffer* b = current()) b->log(window, t, address, tag);
}

size_t Collector::thread_count() const {
  const size_t n = claimed_.load(std::memory_order_acquire);
  return n < buffers_.size() ? n : buffers_.size();
}

void Collector::entry_callback(const rvjit_hook_ctx* ctx, void* user_data) {
  const uint64_t t = now_ns();
  static_cast<Collector*>(user_data)->on_entry(ctx->function, ctx->name, t);
}

// The cheap kinds: with the time CSR in use their common case calls nothing, so they need
// no stack frame (every other path ends in a tail call).
namespace {

[[gnu::noinline]] void entry_args_slow(const rvjit_hook_args_info* info) {
  static_cast<Collector*>(info->user_data)->on_entry(info->function, info->name, now_ns());
}
[[gnu::noinline]] void exit_ret_slow(const rvjit_hook_args_info* info) {
  static_cast<Collector*>(info->user_data)->on_exit(info->function, now_ns());
}

}  // namespace

void Collector::entry_args_callback(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  uint64_t t;
  auto* c = static_cast<Collector*>(info->user_data);
  if (now_ns_from_time_csr(&t) && c->try_log(info->function, info->name ? info->name : "", t))
    return;
  entry_args_slow(info);  // a tail call: the common case above needs no frame
}

void Collector::exit_ret_callback(uint64_t, uint64_t, const rvjit_hook_args_info* info) {
  uint64_t t;
  auto* c = static_cast<Collector*>(info->user_data);
  if (now_ns_from_time_csr(&t) && c->try_log(info->function, ThreadBuffer::kExitTag, t)) return;
  exit_ret_slow(info);
}

void Collector::exit_callback(const rvjit_hook_ctx* ctx, void* user_data) {
  const uint64_t t = now_ns();
  static_cast<Collector*>(user_data)->on_exit(ctx->function, t);
}

}  // namespace rvprof
