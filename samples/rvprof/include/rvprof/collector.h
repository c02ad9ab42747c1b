// Collector: turns entry/exit hook callbacks into per-thread profiles.
//
// Both callbacks of a call run on the thread that makes the call, so each thread gets its
// own ThreadBuffer, claimed once with one atomic increment and then found through a
// thread_local cache: the hot path takes no lock and allocates nothing (every table is
// preallocated at construction; when one is full the data is dropped and counted).
//
// The hot path only logs: a callback appends one raw event (time, function, name) to its
// thread's log, a few stores. The tables below are built from the log later, in order,
// by drain(): when the log is full (on the calling thread, inside that callback) and when
// the profile is read (build_profile). This is what keeps rvprof's cost per hooked call
// low (docs/benchmarks.md, "samples: rvprof overhead"); the work per event is the same,
// done later. Consequence: an entry's `name` is read at drain time, so it must stay valid
// until the profile is built (HookManager keeps a name as long as its function is
// installed; rvprof keeps its JIT'd executable until then).
//
// Per thread it keeps
//   * a shadow of the call stack (function, start time, time spent in callees);
//   * per function: completed calls, self time, total time (a recursive function's total
//     counts only its outermost activation, so total <= wall time);
//   * a calling-context tree: one node per distinct stack path (main;fib;fib), with calls,
//     self and total time: the folded stacks and the flame graph come from it;
//   * trace events: one complete event (start, duration, function, depth) per call, for
//     the Chrome trace (bounded: max_events per thread, the rest are counted as dropped).
//
// Pairing: an exit is matched against the top frame by function address. A first attach
// in the middle of a run produces no unmatched exit (functions already running were not
// diverted), but a re-attach (below), a swap between collectors or a lost frame can: an
// exit whose function is not on the shadow stack is counted (unmatched_exits) and
// ignored; frames above a matched one are closed at that time (closed_unpaired).
//
// Windows: HookManager::disable() stops exit callbacks too, so frames that are open when
// the hooks go off never see their exit. new_window() (called before every re-enable)
// starts a new window: each thread, at its first callback in it, discards the frames it
// still holds (counted as cut_frames: neither calls nor time), and exits of calls entered
// before the window are unmatched (counted, ignored). A window's stacks start at the
// first frame entered in it.
//
// Reading (thread(i), used by build_profile) requires that no callback runs any more:
// after HookManager::disable + a run that has returned, or after unregister/swap.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rvjit/hooks.h"

namespace rvprof {

struct CollectorOptions {
  size_t max_threads = 8;
  size_t max_functions = 256;   // distinct functions per thread
  size_t max_nodes = 16384;     // calling-context tree nodes per thread
  size_t max_depth = 512;       // shadow stack frames per thread
  size_t max_events = 262144;   // trace events per thread (24 bytes each)
  size_t max_log = 262144;      // raw events logged per thread before a drain (24 bytes each)
};

inline constexpr uint32_t kNoIndex = 0xffffffffu;
inline constexpr size_t kNameCapacity = 64;  // bytes kept of a name, incl. the NUL

struct FunctionSlot {
  uintptr_t address = 0;          // entry address (0: free slot)
  char name[kNameCapacity] = {};  // copied at first sight (ctx->name is only borrowed)
  uint64_t calls = 0;             // completed calls
  uint64_t self_ns = 0;
  uint64_t total_ns = 0;
  uint32_t active = 0;            // activations on the stack right now
  uint32_t index = 0;             // function index (order of first sight)
};

struct TreeNode {
  uint32_t function = kNoIndex;   // index into ThreadBuffer::functions (root: kNoIndex)
  uint32_t parent = kNoIndex;
  uint32_t first_child = kNoIndex;
  uint32_t next_sibling = kNoIndex;
  uint64_t calls = 0;
  uint64_t self_ns = 0;
  uint64_t total_ns = 0;
};

struct TraceEvent {
  uint64_t start_ns = 0;
  uint64_t duration_ns = 0;
  uint32_t function = 0;
  uint32_t depth = 0;             // 0: outermost traced frame
};

struct Frame {
  uintptr_t address = 0;
  uint32_t function = 0;
  uint32_t node = 0;              // kNoIndex when the tree was full
  uint64_t start_ns = 0;
  uint64_t child_ns = 0;
};

struct ThreadCounters {
  uint64_t dropped_events = 0;    // trace buffer full
  uint64_t unmatched_exits = 0;   // exit with no matching frame
  uint64_t closed_unpaired = 0;   // frames closed by an exit of a caller
  uint64_t too_deep = 0;          // entries beyond max_depth (neither counted nor timed)
  uint64_t tree_full = 0;         // calls not in the tree (node pool full)
  uint64_t too_many_functions = 0;// entries of functions beyond max_functions
  uint64_t cut_frames = 0;        // open when the hooks went off: not counted
};

// One logged callback: an entry (name: the function's name), an exit (name: kExitTag)
// or the start of a new window (name: kWindowTag, t: the window).
struct RawEvent {
  uint64_t t = 0;
  uintptr_t address = 0;
  const char* name = nullptr;
};

class ThreadBuffer {
 public:
  explicit ThreadBuffer(const CollectorOptions& o);

  // Applies every logged event to the tables, in order, and empties the log.
  void drain() noexcept;

  // The tables' own updates (what drain() applies per event).
  void on_entry(uintptr_t address, const char* name, uint64_t t) noexcept;
  void on_exit(uintptr_t address, uint64_t t) noexcept;
  size_t logged() const { return static_cast<size_t>(log_pos_ - log_.data()); }

  int tid() const { return tid_; }
  size_t function_count() const { return function_count_; }
  // Functions in order of first sight: index i is what TreeNode/TraceEvent::function name.
  const FunctionSlot& function(uint32_t i) const { return slots_[order_[i]]; }
  const std::vector<TreeNode>& nodes() const { return nodes_; }  // [0, node_count())
  size_t node_count() const { return node_count_; }
  const TraceEvent* events() const { return events_.data(); }
  size_t event_count() const { return event_count_; }
  size_t open_frames() const { return depth_; }
  const ThreadCounters& counters() const { return counters_; }

 private:
  friend class Collector;
  uint32_t intern(uintptr_t address, const char* name) noexcept;
  uint32_t child_of(uint32_t node, uint32_t function) noexcept;
  void close_top(uint64_t t) noexcept;
  void sync_window(uint32_t window) noexcept {
    if (window != window_) start_window(window);
  }
  void start_window(uint32_t window) noexcept;
  static const char kExitTag[];
  static const char kWindowTag[];
  // The common case, three stores and a bump, without a call; false when a new window
  // starts or the log is full (log() then).
  bool try_log(uint32_t window, uint64_t t, uintptr_t address, const char* tag) noexcept {
    if (window != logged_window_ || log_pos_ == log_end_) return false;
    *log_pos_++ = RawEvent{t, address, tag};
    return true;
  }
  void log(uint32_t window, uint64_t t, uintptr_t address, const char* tag) noexcept;

  int tid_ = 0;
  std::vector<FunctionSlot> slots_;  // open addressing on the address, power of two
  std::vector<uint32_t> order_;      // function index -> slot
  size_t function_count_ = 0;
  size_t max_functions_;
  std::vector<TreeNode> nodes_;
  size_t node_count_ = 1;            // node 0: the thread's root
  std::vector<Frame> stack_;
  size_t depth_ = 0;
  uint64_t skipped_depth_ = 0;       // entries beyond max_depth still open
  std::vector<TraceEvent> events_;
  size_t event_count_ = 0;
  ThreadCounters counters_;
  uint32_t window_ = 0;
  std::vector<RawEvent> log_;        // at least 2 events (a window marker and one more)
  RawEvent* log_pos_ = nullptr;      // next free event
  RawEvent* log_end_ = nullptr;
  uint32_t logged_window_ = 0;       // the window of the last logged event
};

// A thread's buffer in the Collector it last called into (generation: which one).
struct CollectorTls {
  uint64_t generation = 0;
  ThreadBuffer* buffer = nullptr;
};
extern thread_local CollectorTls t_collector_tls;

class Collector {
 public:
  explicit Collector(const CollectorOptions& options = {});
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // The calling thread's buffer (claimed on first use); nullptr when all are taken.
  ThreadBuffer* current() noexcept {
    const CollectorTls& c = t_collector_tls;
    return c.generation == generation_ ? c.buffer : claim();
  }

  void on_entry(uintptr_t address, const char* name, uint64_t t) noexcept {
    log(address, name ? name : "", t);
  }
  void on_exit(uintptr_t address, uint64_t t) noexcept { log(address, ThreadBuffer::kExitTag, t); }
  // The hot path, written so that the common case calls nothing (so the callbacks need no
  // frame): this thread's buffer from the TLS cache, then try_log(); anything else goes to
  // log_slow(). The window is read with acquire: pairs with new_window()'s increment, made
  // before the hooks are re-enabled, so a callback of the new enabling sees the new window.
  void log(uintptr_t address, const char* tag, uint64_t t) noexcept {
    if (!try_log(address, tag, t)) log_slow(window_.load(std::memory_order_acquire), address, tag, t);
  }
  // log()'s common case alone: false when it needs log_slow() (claim, window, full log).
  bool try_log(uintptr_t address, const char* tag, uint64_t t) noexcept {
    const uint32_t window = window_.load(std::memory_order_acquire);
    const CollectorTls& c = t_collector_tls;
    return c.generation == generation_ && c.buffer && c.buffer->try_log(window, t, address, tag);
  }
  // Drains every claimed buffer's log (only when no callback runs, like reading).
  void drain() noexcept;
  // Call before re-enabling the hooks (see "Windows" above).
  void new_window() noexcept { window_.fetch_add(1, std::memory_order_acq_rel); }

  // The hook callbacks (user_data = the Collector): a timestamp, then the buffer.
  static void entry_callback(const rvjit_hook_ctx* ctx, void* user_data);
  static void exit_callback(const rvjit_hook_ctx* ctx, void* user_data);
  // The cheap entry kind (RVJIT_HOOK_ENTRY_ARGS): the same work without a register frame;
  // on a function with a declared signature the hook's fast entry calls it directly.
  static void entry_args_callback(uint64_t a0, uint64_t a1, const rvjit_hook_args_info* info);
  // The cheap exit kind (RVJIT_HOOK_EXIT_RET), called from the fast return trampoline.
  // Its contract: leave errno alone (nothing here touches it; now_ns() is rdtime, or a
  // clock_gettime that succeeds).
  static void exit_ret_callback(uint64_t a0, uint64_t a1, const rvjit_hook_args_info* info);
  // What rvprof registers: only the function's identity and a timestamp are needed, so
  // both cheap kinds; with one ops on a site of a declared signature (the eBPF JIT
  // declares every function's) the hooks call them from JIT'd trampolines directly.
  rvjit_hook_ops ops() {
    rvjit_hook_ops o{};
    o.entry_args = &entry_args_callback;
    o.exit_ret = &exit_ret_callback;
    o.user_data = this;
    o.flags = RVJIT_HOOK_ENTRY_ARGS | RVJIT_HOOK_EXIT_RET;
    return o;
  }

  // Buffers that were claimed (read only when no callback runs, see the top, and after
  // drain(): build_profile drains).
  size_t thread_count() const;
  const ThreadBuffer& thread(size_t i) const { return *buffers_[i]; }
  uint64_t threads_dropped() const { return threads_dropped_.load(std::memory_order_relaxed); }
  const CollectorOptions& options() const { return options_; }

 private:
  ThreadBuffer* claim() noexcept;  // current()'s first call on a thread
  void log_slow(uint32_t window, uintptr_t address, const char* tag, uint64_t t) noexcept;
  CollectorOptions options_;
  uint64_t generation_;
  std::vector<std::unique_ptr<ThreadBuffer>> buffers_;
  std::atomic<size_t> claimed_{0};
  std::atomic<uint64_t> threads_dropped_{0};
  std::atomic<uint32_t> window_{0};
};

}  // namespace rvprof
