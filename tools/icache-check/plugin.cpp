// rvjit-icache-check: a QEMU TCG plugin that judges every instruction fetch against a
// non-coherent instruction-fetch model (model.h, docs/icache-check.md).
//
// Options (-plugin libicache-check.so,opt=value,...):
//   out=PATH        hazard reports and the summary go to PATH (default: stderr)
//   fail=N          exit status N at the end when any hazard was found (default: keep)
//   max_reports=N   detailed reports printed (default 100; all are counted)
//   ram_base=HEX    system mode: guest RAM start (default 0x80000000)
//   ram_size=MiB    system mode: guest RAM size (default 4096)
// Output: one "icache-check: HAZARD ..." line per (hart, address), and at exit
// "icache-check: summary hazards=N fresh=.. stale-after-sync=.. mixed=.. ...".
#include <glib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include <qemu-plugin.h>
}

#include "address_space.h"
#include "model.h"
#include "symbols.h"

extern "C" {
QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;
}

namespace icache_check {
namespace {

// Linux riscv64 syscall numbers and flags (uapi).
constexpr int64_t kSysMunmap = 215, kSysMmap = 222, kSysMprotect = 226;
constexpr int64_t kSysFlushIcache = 259, kSysMembarrier = 283;
constexpr uint64_t kMembarrierSyncCore = 1 << 5;   // MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
constexpr uint64_t kFlushIcacheLocal = 1;          // SYS_RISCV_FLUSH_ICACHE_LOCAL
constexpr int kProtExec = 4;

// What the plugin knows about one translated instruction.
struct Insn {
  uint64_t va;
  uint64_t key;      // model key of its first byte; ~0: not judged (unknown memory)
  uint32_t len;
  uint32_t word;     // its bytes as translated
  Page* page;        // the tracked page holding key (pages are never freed)
};

struct SyscallArgs {
  int64_t num = -1;
  uint64_t a[6] = {};
};

// Per-hart cache of page lookups for the store path.
struct PageCache {
  static constexpr unsigned kSlots = 64;
  struct Slot {
    uint64_t va_page = ~uint64_t{0};
    uint64_t key_page = 0;
    Page* page = nullptr;
    bool executable = false;
    uint64_t generation = 0;
  } slot[kSlots];
};

struct HartInfo {
  long tid = 0;
  struct qemu_plugin_register* a2 = nullptr;   // for ecall: syscall number in a7, flags in a2
  struct qemu_plugin_register* a7 = nullptr;
  SyscallArgs call;
  PageCache cache;
  bool started = false;                     // on_vcpu_init ran for it
  std::atomic<uint64_t> fences{0};          // fence.i executed (the per-hart line at exit)
};

struct State {
  bool system = false;
  FILE* out = stderr;
  int fail_status = -1;
  uint64_t max_reports = 100;
  uint64_t ram_base = 0x80000000ull;
  uint64_t ram_size = 4096ull << 20;
  std::atomic<intptr_t> ram_host{0};  // system mode: host address of guest RAM start (0: unknown)
  long pid = 0;

  Model model;
  AddressSpace space;
  Symbols symbols;
  std::atomic<uint64_t> generation{1};  // AddressSpace changes and page creations
  std::vector<HartInfo> harts = std::vector<HartInfo>(kMaxHarts);
  qemu_plugin_u64 unsynced{};           // per hart: 1 while fetches must be judged

  // System mode: last store per RAM page before the page became code.
  std::unique_ptr<std::atomic<uint64_t>[]> pre_seq;
  std::unique_ptr<std::atomic<uint64_t>[]> pre_pc;

  std::mutex report_lock;
  std::set<std::pair<unsigned, uint64_t>> reported;
  std::set<std::pair<unsigned, uint64_t>> emulator_reported;  // printed EMULATOR-STALE lines
  uint64_t by_kind[3] = {};
  std::atomic<uint64_t> unseen_stores{0};   // cbo.zero executions
  std::atomic<uint64_t> emulator_stale{0};  // stale translations run (the emulator's fault)
  std::mutex private_lock;
  std::set<uint64_t> private_pages;     // user mode: tracked private page keys
};

State* g;

// The scoreboard has a slot for a vCPU only once QEMU counts it (not yet during its init
// callback): harts beyond qemu_plugin_num_vcpus() get their flag at their first resume.
bool has_slot(unsigned hart) { return static_cast<int>(hart) < qemu_plugin_num_vcpus(); }

void refresh_flag(unsigned hart) {
  if (!has_slot(hart)) return;
  qemu_plugin_u64_set(g->unsynced, hart, 0);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  if (g->model.maybe_unsynced(hart)) qemu_plugin_u64_set(g->unsynced, hart, 1);
}

void flag_all_harts() {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  const int n = qemu_plugin_num_vcpus();
  for (int h = 0; h < n && h < static_cast<int>(kMaxHarts); ++h)
    qemu_plugin_u64_set(g->unsynced, h, 1);
}

void refresh_all_flags() {
  const int n = qemu_plugin_num_vcpus();
  for (int h = 0; h < n && h < static_cast<int>(kMaxHarts); ++h) refresh_flag(h);
}

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}

std::string where(uint64_t pc) {
  std::string s = g->symbols.describe(pc, g->pid);
  return s.empty() ? hex(pc) : hex(pc) + " <" + s + ">";
}

std::string hart_name(unsigned hart) {
  std::string s = "hart " + std::to_string(hart);
  if (!g->system && g->harts[hart].tid) s += " (tid " + std::to_string(g->harts[hart].tid) + ")";
  return s;
}

const char* rule_text(HazardKind k) {
  switch (k) {
    case HazardKind::kFresh:
      return "bytes that were not one valid instruction replaced by another, never synced on this hart";
    case HazardKind::kStaleAfterSync:
      return "patched word fetched after the writer's sync point, which did not reach this hart";
    case HazardKind::kMixed:
      return "a multi-word sequence whose words were replaced since this hart's last fence.i";
  }
  return "";
}

void report(const Hazard& h, const Insn* insn) {
  std::lock_guard<std::mutex> lk(g->report_lock);
  if (!g->reported.insert({h.hart, insn->va}).second) return;
  const uint64_t n = ++g->by_kind[static_cast<int>(h.kind)];
  (void)n;
  if (g->reported.size() > g->max_reports) return;
  std::string line = "icache-check: HAZARD " + std::string(hazard_name(h.kind)) + ": " +
                     hart_name(h.hart) + " fetched " + where(insn->va) + " insn " +
                     hex(insn->len == 2 ? (insn->word & 0xffff) : insn->word);
  if (g->system) line += " (pa " + hex(insn->key) + ")";
  line += "; stored";
  if (h.store.seq) {
    line += " by " + hart_name(h.store.hart) + " at pc " + where(h.store.pc);
  } else {
    line += " before it was code";
  }
  line += " (store #" + std::to_string(h.store.seq) + ", fetching hart synced up to #" +
          std::to_string(h.hart_fence) + "): " + rule_text(h.kind) + "\n";
  std::fputs(line.c_str(), g->out);
  std::fflush(g->out);
}

// Not the program's hazard: the emulator ran a translation of bytes that were rewritten and
// synced on this hart (docs/icache-check.md, "Emulator staleness"). Counted; the first few
// are printed once per (hart, address).
void report_emulator_stale(unsigned hart, const Insn* insn, const StoreInfo& st, uint64_t fence) {
  g->emulator_stale.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lk(g->report_lock);
  if (g->emulator_reported.size() >= g->max_reports ||
      !g->emulator_reported.insert({hart, insn->va}).second)
    return;
  std::string line = "icache-check: EMULATOR-STALE: " + hart_name(hart) + " ran " +
                     where(insn->va) + " as insn " + hex(insn->word);
  if (g->system) line += " (pa " + hex(insn->key) + ")";
  line += "; memory has held other bytes since store #" + std::to_string(st.seq) + " by " +
          hart_name(st.hart) + " at pc " + where(st.pc) + ", and this hart had synced up to #" +
          std::to_string(fence) + ": the emulator ran a stale translation (not a hazard of "
          "the program)\n";
  std::fputs(line.c_str(), g->out);
  std::fflush(g->out);
}

uint64_t total_hazards() {
  return g->by_kind[0] + g->by_kind[1] + g->by_kind[2];
}

// ---- keys and pages --------------------------------------------------------------------

// Reads the guest page holding va (current vCPU's view) as words; false if unreadable.
bool read_page(uint64_t va, uint32_t* words) {
  GByteArray* buf = g_byte_array_new();
  const bool ok = qemu_plugin_read_memory_vaddr(va & ~(kPageSize - 1), buf, kPageSize) &&
                  buf->len >= kPageSize;
  if (ok) std::memcpy(words, buf->data, kPageSize);
  g_byte_array_free(buf, TRUE);
  return ok;
}

void note_private(uint64_t key) {
  std::lock_guard<std::mutex> lk(g->private_lock);
  g->private_pages.insert(key & ~(kPageSize - 1));
}

// The tracked page for an executed or executable page, created from its current content.
Page* code_page(uint64_t key, uint64_t va, bool shared) {
  if (Page* p = g->model.find_page(key)) {
    g->model.wake(p);
    return p;
  }
  std::vector<uint32_t> words(kWordsPerPage);
  Model::PageInit init;
  if (read_page(va, words.data())) init.content = words.data();
  if (g->system) {
    const uint64_t idx = (key - g->ram_base) / kPageSize;
    if (key >= g->ram_base && idx < g->ram_size / kPageSize) {
      init.pre_store.seq = g->pre_seq[idx].load(std::memory_order_acquire);
      init.pre_store.pc = g->pre_pc[idx].load(std::memory_order_relaxed);
    }
  } else {
    init.sync_seq = g->model.next_seq();  // first executable mapping: the kernel flushes all
  }
  Page* p = g->model.page(key, init);
  if (!g->system && !shared) note_private(key);
  g->generation.fetch_add(1, std::memory_order_acq_rel);
  if (init.pre_store.seq) flag_all_harts();
  return p;
}

// System mode: physical address of a translated instruction, from its host address.
uint64_t insn_pa(struct qemu_plugin_insn* insn, uint64_t va) {
  const intptr_t host = reinterpret_cast<intptr_t>(qemu_plugin_insn_haddr(insn));
  intptr_t base = g->ram_host.load(std::memory_order_acquire);
  if (!base && host && va == g->ram_base) {
    // The firmware's first instruction runs at the start of RAM with translation off.
    base = host;
    g->ram_host.store(base, std::memory_order_release);
  }
  if (!base || !host) return ~uint64_t{0};
  const uint64_t off = static_cast<uint64_t>(host - base);
  return off < g->ram_size ? g->ram_base + off : ~uint64_t{0};
}

// ---- callbacks -------------------------------------------------------------------------

void on_fetch(unsigned int hart, void* udata) {
  const Insn* insn = static_cast<const Insn*>(udata);
  const uint64_t fence = g->model.fence_of(hart);
  Hazard h;
  if (g->model.fetch_as_of(hart, insn->key, insn->len, insn->page, fence, &h)) {
    report(h, insn);
    return;
  }
  StoreInfo st;
  if (insn->len == 4 &&
      g->model.ran_stale_translation(insn->key, insn->word, insn->page, fence, &st))
    report_emulator_stale(hart, insn, st, fence);
}

void on_fence_i(unsigned int hart, void*) {
  g->harts[hart].fences.fetch_add(1, std::memory_order_relaxed);
  g->model.fence(hart);
  refresh_flag(hart);
}

// QEMU's cbo.zero writes guest memory without memory callbacks: the model cannot see
// those stores (and may then take zeroed bytes for the old code). Counted, and reported
// once; run the guest with Zicboz off (-cpu rv64,zicboz=false) to avoid it.
void on_cbo_zero(unsigned int hart, void* udata) {
  if (g->unseen_stores.fetch_add(1, std::memory_order_relaxed) == 0) {
    std::lock_guard<std::mutex> lk(g->report_lock);
    std::fprintf(g->out, "icache-check: WARNING cbo.zero at %s: its stores are invisible to the "
                 "model; run with Zicboz off (-cpu rv64,zicboz=false)\n",
                 hex(static_cast<const Insn*>(udata)->va).c_str());
    std::fflush(g->out);
  }
}

// User mode: qemu-riscv64 answers riscv_flush_icache in its CPU loop without a syscall
// callback, so the plugin reads the ecall's registers itself.
uint64_t read_reg(struct qemu_plugin_register* r) {
  if (!r) return ~uint64_t{0};
  GByteArray* buf = g_byte_array_new();
  uint64_t v = ~uint64_t{0};
  if (qemu_plugin_read_register(r, buf) == 8) std::memcpy(&v, buf->data, 8);
  g_byte_array_free(buf, TRUE);
  return v;
}

void flush_icache_call(unsigned hart, uint64_t flags) {
  if (flags & kFlushIcacheLocal) {
    g->model.sync_local(hart);
    refresh_flag(hart);
  } else {
    g->model.sync_all(hart);
    refresh_all_flags();
  }
}

void on_ecall(unsigned int hart, void*) {
  HartInfo& hi = g->harts[hart];
  if (read_reg(hi.a7) == static_cast<uint64_t>(kSysFlushIcache)) flush_icache_call(hart, read_reg(hi.a2));
}

void store_user(unsigned hart, uint64_t va, unsigned size, const uint8_t* data, uint64_t pc) {
  HartInfo& hi = g->harts[hart];
  const uint64_t va_page = va & ~(kPageSize - 1);
  PageCache::Slot& s = hi.cache.slot[(va_page / kPageSize) % PageCache::kSlots];
  const uint64_t gen = g->generation.load(std::memory_order_acquire);
  if (s.va_page != va_page || s.generation != gen) {
    const AddressSpace::Lookup l = g->space.lookup(va_page);
    s.va_page = va_page;
    s.key_page = l.key;
    s.executable = l.executable;
    s.page = g->model.find_page(l.key);
    if (!s.page && l.executable) {
      // Writable and executable memory written before its first fetch: track from now; the
      // bytes just stored are unknown as instructions (they replaced whatever was there).
      s.page = code_page(l.key, va_page, l.shared);
      g->model.forget(s.page, l.key + (va - va_page), size);
    }
    s.generation = g->generation.load(std::memory_order_acquire);
  }
  if (!s.page) return;
  g->model.store(s.page, s.key_page + (va - va_page), size, data, pc, hart);
  flag_all_harts();
}

void store_system(unsigned hart, qemu_plugin_meminfo_t info, uint64_t va, unsigned size,
                  const uint8_t* data, uint64_t pc) {
  struct qemu_plugin_hwaddr* hw = qemu_plugin_get_hwaddr(info, va);
  if (!hw || qemu_plugin_hwaddr_is_io(hw)) return;
  const uint64_t pa = qemu_plugin_hwaddr_phys_addr(hw);
  if (pa < g->ram_base || pa - g->ram_base >= g->ram_size) return;
  HartInfo& hi = g->harts[hart];
  const uint64_t pa_page = pa & ~(kPageSize - 1);
  PageCache::Slot& s = hi.cache.slot[(pa_page / kPageSize) % PageCache::kSlots];
  const uint64_t gen = g->generation.load(std::memory_order_acquire);
  if (s.va_page != pa_page || s.generation != gen) {
    s.va_page = pa_page;
    s.page = g->model.find_page(pa_page);
    s.generation = gen;
  }
  if (s.page) {
    g->model.store(s.page, pa, size, data, pc, hart);
    flag_all_harts();
    return;
  }
  // Not code (yet): remember only the page's last store, for when it becomes code.
  const uint64_t idx = (pa_page - g->ram_base) / kPageSize;
  g->pre_pc[idx].store(pc, std::memory_order_relaxed);
  g->pre_seq[idx].store(g->model.next_seq(), std::memory_order_release);
}

void on_store(unsigned int hart, qemu_plugin_meminfo_t info, uint64_t va, void* udata) {
  if (!qemu_plugin_mem_is_store(info)) return;
  const Insn* insn = static_cast<const Insn*>(udata);
  const unsigned size = 1u << qemu_plugin_mem_size_shift(info);
  const qemu_plugin_mem_value v = qemu_plugin_mem_get_value(info);
  uint8_t data[16] = {};
  switch (v.type) {
    case QEMU_PLUGIN_MEM_VALUE_U8: data[0] = v.data.u8; break;
    case QEMU_PLUGIN_MEM_VALUE_U16: std::memcpy(data, &v.data.u16, 2); break;
    case QEMU_PLUGIN_MEM_VALUE_U32: std::memcpy(data, &v.data.u32, 4); break;
    case QEMU_PLUGIN_MEM_VALUE_U64: std::memcpy(data, &v.data.u64, 8); break;
    case QEMU_PLUGIN_MEM_VALUE_U128:
      std::memcpy(data, &v.data.u128.low, 8);
      std::memcpy(data + 8, &v.data.u128.high, 8);
      break;
  }
  // A store crossing a page boundary is two stores, one per page.
  const uint64_t first = std::min<uint64_t>(size, kPageSize - (va & (kPageSize - 1)));
  for (uint64_t done = 0; done < size;) {
    const unsigned n = static_cast<unsigned>(done ? size - done : first);
    if (g->system)
      store_system(hart, info, va + done, n, data + done, insn->va);
    else
      store_user(hart, va + done, n, data + done, insn->va);
    done += n;
  }
}

void on_tb_trans(qemu_plugin_id_t, struct qemu_plugin_tb* tb) {
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* qi = qemu_plugin_tb_get_insn(tb, i);
    auto* insn = new Insn{};  // lives as long as the translation may run: never freed
    insn->va = qemu_plugin_insn_vaddr(qi);
    insn->len = static_cast<uint32_t>(qemu_plugin_insn_size(qi));
    qemu_plugin_insn_data(qi, &insn->word, insn->len < 4 ? insn->len : 4);
    g->symbols.note_elf(insn->va, qemu_plugin_insn_symbol(qi));

    if (g->system) {
      insn->key = insn_pa(qi, insn->va);
      if (insn->key != ~uint64_t{0}) insn->page = code_page(insn->key, insn->va, false);
    } else {
      const AddressSpace::Lookup l = g->space.lookup(insn->va);
      insn->key = l.key;
      insn->page = code_page(l.key, insn->va, l.shared);
    }
    if (insn->key != ~uint64_t{0})
      qemu_plugin_register_vcpu_insn_exec_cond_cb(qi, on_fetch, QEMU_PLUGIN_CB_NO_REGS,
                                                  QEMU_PLUGIN_COND_NE, g->unsynced, 0, insn);
    if (insn->len == 4 && (insn->word & 0x707f) == 0x100f)  // fence.i
      qemu_plugin_register_vcpu_insn_exec_cb(qi, on_fence_i, QEMU_PLUGIN_CB_NO_REGS, nullptr);
    if (insn->len == 4 && (insn->word & 0xfff07fff) == 0x0040200f)  // cbo.zero
      qemu_plugin_register_vcpu_insn_exec_cb(qi, on_cbo_zero, QEMU_PLUGIN_CB_NO_REGS, insn);
    if (!g->system && insn->len == 4 && insn->word == 0x00000073)  // ecall
      qemu_plugin_register_vcpu_insn_exec_cb(qi, on_ecall, QEMU_PLUGIN_CB_R_REGS, nullptr);
    qemu_plugin_register_vcpu_mem_cb(qi, on_store, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_W,
                                     insn);
  }
}

void on_vcpu_init(qemu_plugin_id_t, unsigned int hart) {
  if (hart >= kMaxHarts) {
    std::fprintf(stderr, "icache-check: more than %u vCPUs\n", kMaxHarts);
    std::abort();
  }
  g->model.hart_start(hart);
  g->harts[hart].started = true;
  g->harts[hart].tid = g->system ? 0 : static_cast<long>(syscall(SYS_gettid));
  g->harts[hart].cache = PageCache{};
  // Its flag is set at its first resume (has_slot), or by the next store or sync.
  if (GArray* regs = qemu_plugin_get_registers()) {
    for (guint i = 0; i < regs->len; ++i) {
      const auto& d = g_array_index(regs, qemu_plugin_reg_descriptor, i);
      if (!std::strcmp(d.name, "a2")) g->harts[hart].a2 = d.handle;
      if (!std::strcmp(d.name, "a7")) g->harts[hart].a7 = d.handle;
    }
    g_array_free(regs, TRUE);
  }
}

void on_vcpu_resume(qemu_plugin_id_t, unsigned int hart) { refresh_flag(hart); }

// User mode: a new mapping of private memory over pages the model tracks is new memory.
void forget_private(uint64_t addr, uint64_t len) {
  std::vector<Page*> pages;
  {
    std::lock_guard<std::mutex> lk(g->private_lock);
    for (auto it = g->private_pages.lower_bound(addr & ~(kPageSize - 1));
         it != g->private_pages.end() && *it < addr + len; ++it)
      if (Page* p = g->model.find_page(*it)) pages.push_back(p);
  }
  for (Page* p : pages) g->model.make_dormant(p);
}

// User mode: a range that became executable wakes its dormant pages (first exec mapping).
void wake_private(uint64_t addr, uint64_t len) {
  std::vector<Page*> pages;
  {
    std::lock_guard<std::mutex> lk(g->private_lock);
    for (auto it = g->private_pages.lower_bound(addr & ~(kPageSize - 1));
         it != g->private_pages.end() && *it < addr + len; ++it)
      if (Page* p = g->model.find_page(*it)) pages.push_back(p);
  }
  for (Page* p : pages) g->model.wake(p);
}

void on_syscall(qemu_plugin_id_t, unsigned int hart, int64_t num, uint64_t a1, uint64_t a2,
                uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t, uint64_t) {
  SyscallArgs& c = g->harts[hart].call;
  c.num = num;
  c.a[0] = a1; c.a[1] = a2; c.a[2] = a3; c.a[3] = a4; c.a[4] = a5; c.a[5] = a6;
}

void on_syscall_ret(qemu_plugin_id_t, unsigned int hart, int64_t num, int64_t ret) {
  SyscallArgs c = g->harts[hart].call;
  g->harts[hart].call.num = -1;
  if (c.num != num) return;
  const bool failed = ret < 0 && ret > -4096;
  if (failed) return;
  switch (num) {
    case kSysMmap: {
      const uint64_t addr = static_cast<uint64_t>(ret), len = c.a[1];
      const int prot = static_cast<int>(c.a[2]);
      const bool shared = (c.a[3] & 3) == 1 || (c.a[3] & 3) == 3;
      forget_private(addr, len);
      g->space.on_mmap(addr, len, prot, shared, static_cast<int>(c.a[4]), c.a[5]);
      if (prot & kProtExec) wake_private(addr, len);
      g->generation.fetch_add(1, std::memory_order_acq_rel);
      break;
    }
    case kSysMunmap:
      forget_private(c.a[0], c.a[1]);
      g->space.on_munmap(c.a[0], c.a[1]);
      g->generation.fetch_add(1, std::memory_order_acq_rel);
      break;
    case kSysMprotect:
      g->space.on_mprotect(c.a[0], c.a[1], static_cast<int>(c.a[2]));
      if (c.a[2] & kProtExec) wake_private(c.a[0], c.a[1]);
      g->generation.fetch_add(1, std::memory_order_acq_rel);
      break;
    case kSysMembarrier:
      if (c.a[0] == kMembarrierSyncCore) {
        g->model.sync_all(hart);
        refresh_all_flags();
      }
      break;
    case kSysFlushIcache:  // in case a QEMU passes it on (10.0 does not: on_ecall)
      flush_icache_call(hart, c.a[2]);
      break;
    default:
      break;
  }
}

void on_exit(qemu_plugin_id_t, void*) {
  uint64_t hazards;
  {
    std::lock_guard<std::mutex> lk(g->report_lock);
    hazards = total_hazards();
    std::fprintf(g->out,
                 "icache-check: summary hazards=%" PRIu64 " fresh=%" PRIu64
                 " stale-after-sync=%" PRIu64 " mixed=%" PRIu64 " stores-recorded=%" PRIu64
                 " fetches-judged=%" PRIu64 " unseen-stores=%" PRIu64
                 " emulator-stale=%" PRIu64 " mode=%s\n",
                 hazards, g->by_kind[0], g->by_kind[1], g->by_kind[2],
                 g->model.stores_recorded(), g->model.fetches_judged(),
                 g->unseen_stores.load(), g->emulator_stale.load(),
                 g->system ? "system" : "user");
    // Which vCPU indexes QEMU used and what each did: a hart that fetches but never runs
    // fence.i points at a sync the model does not see.
    std::string harts = "icache-check: harts (QEMU counts " +
                        std::to_string(qemu_plugin_num_vcpus()) + "):";
    for (unsigned h = 0; h < kMaxHarts; ++h)
      if (g->harts[h].started)
        harts += " " + std::to_string(h) + ":fence.i=" +
                 std::to_string(g->harts[h].fences.load(std::memory_order_relaxed));
    std::fprintf(g->out, "%s\n", harts.c_str());
    std::fflush(g->out);
  }
  if (hazards && g->fail_status >= 0) _exit(g->fail_status);
}

bool parse_args(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    const char* a = argv[i];
    const char* eq = std::strchr(a, '=');
    if (!eq) {
      std::fprintf(stderr, "icache-check: option '%s' needs a value\n", a);
      return false;
    }
    const std::string k(a, eq - a);
    const char* v = eq + 1;
    char* end = nullptr;
    if (k == "out") {
      g->out = std::fopen(v, "a");
      if (!g->out) {
        std::fprintf(stderr, "icache-check: cannot open %s: %s\n", v, std::strerror(errno));
        return false;
      }
      continue;
    }
    const unsigned long long n = std::strtoull(v, &end, k == "ram_base" ? 16 : 10);
    if (!*v || *end) {
      std::fprintf(stderr, "icache-check: bad number in '%s'\n", a);
      return false;
    }
    if (k == "fail") g->fail_status = static_cast<int>(n);
    else if (k == "max_reports") g->max_reports = n;
    else if (k == "ram_base") g->ram_base = n;
    else if (k == "ram_size") g->ram_size = n << 20;
    else {
      std::fprintf(stderr, "icache-check: unknown option '%s' (out, fail, max_reports, "
                           "ram_base, ram_size)\n", a);
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace icache_check

extern "C" QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info,
                                                      int argc, char** argv) {
  using namespace icache_check;
  g = new State();
  if (!parse_args(argc, argv)) return -1;
  g->system = info->system_emulation;
  g->pid = static_cast<long>(getpid());
  if (g->system) {
    const uint64_t pages = g->ram_size / kPageSize;
    g->pre_seq.reset(new std::atomic<uint64_t>[pages]());
    g->pre_pc.reset(new std::atomic<uint64_t>[pages]());
  }
  g->unsynced = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(sizeof(uint64_t)));
  qemu_plugin_register_vcpu_init_cb(id, on_vcpu_init);
  qemu_plugin_register_vcpu_resume_cb(id, on_vcpu_resume);
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
  if (!g->system) {
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_vcpu_syscall_ret_cb(id, on_syscall_ret);
  }
  qemu_plugin_register_atexit_cb(id, on_exit, nullptr);
  return 0;
}
