// The C API (rvjit/hooks.h): thin wrappers over HookManager.
#include <cstdio>
#include <cstring>
#include <string>

#include "rvjit/hooks.h"
#include "rvjit/hooks/hook_manager.h"

using rvjit::Error;
using rvjit::HookManager;

struct rvjit_hook_manager {
  std::unique_ptr<HookManager> impl;
};

namespace {

void put_error(const Error& e, char* err, size_t size) {
  if (err && size) std::snprintf(err, size, "%s", e.to_string().c_str());
}

int status(const Error& e, char* err, size_t size) {
  if (e.ok()) return 0;
  put_error(e, err, size);
  return -1;
}

uint64_t register_with(rvjit_hook_manager* m, const rvjit_hook_ops* ops, rvjit::HookFilter f,
                       char* err, size_t size) {
  if (!m || !ops) {
    put_error(Error(rvjit::ErrorCode::kInvalidArgument, "null manager or ops"), err, size);
    return 0;
  }
  rvjit::Result<rvjit::HookOpsId> id = m->impl->register_ops(*ops, std::move(f));
  if (!id.ok()) {
    put_error(id.error(), err, size);
    return 0;
  }
  return *id;
}

Error null_manager() { return Error(rvjit::ErrorCode::kInvalidArgument, "null hook manager"); }

}  // namespace

extern "C" {

rvjit_hook_manager* rvjit_hook_manager_create(rvjit_code_cache* cache, rvjit_sync_strategy sync,
                                              char* err, size_t err_size) {
  if (!cache) {
    put_error(Error(rvjit::ErrorCode::kInvalidArgument, "null code cache"), err, err_size);
    return nullptr;
  }
  rvjit::HookManagerOptions opt;
  opt.sync = static_cast<rvjit::SyncStrategy>(sync);
  auto hm = HookManager::create(*reinterpret_cast<rvjit::CodeCache*>(cache), opt);
  if (!hm.ok()) {
    put_error(hm.error(), err, err_size);
    return nullptr;
  }
  return new rvjit_hook_manager{std::move(hm.value())};
}

void rvjit_hook_manager_destroy(rvjit_hook_manager* m) { delete m; }

uintptr_t rvjit_hook_install(rvjit_hook_manager* m, const uint8_t* code, size_t size,
                             size_t site_offset, rvjit_site_layout layout, const char* name,
                             char* err, size_t err_size) {
  return rvjit_hook_install_sig(m, code, size, site_offset, layout, name, -1, -1, err, err_size);
}

uintptr_t rvjit_hook_install_sig(rvjit_hook_manager* m, const uint8_t* code, size_t size,
                                 size_t site_offset, rvjit_site_layout layout, const char* name,
                                 int int_args, int fp_args, char* err, size_t err_size) {
  if (!m || !code || !name) {
    put_error(Error(rvjit::ErrorCode::kInvalidArgument, "null manager, code or name"), err, err_size);
    return 0;
  }
  if (layout != RVJIT_SITE_ONE_WORD && layout != RVJIT_SITE_TWO_WORD) {
    put_error(Error(rvjit::ErrorCode::kInvalidArgument,
                    "unknown site layout " + std::to_string(static_cast<int>(layout))),
              err, err_size);
    return 0;
  }
  if (site_offset > size) {  // also keeps the offset from being truncated to 32 bits
    put_error(Error(rvjit::ErrorCode::kInvalidArgument,
                    "site offset " + std::to_string(site_offset) + " lies beyond the code's " +
                        std::to_string(size) + " bytes"),
              err, err_size);
    return 0;
  }
  const auto l = static_cast<rvjit::SiteLayout>(layout);
  rvjit::AssembledCode ac;
  ac.code.assign(code, code + size);
  ac.alignment = 8;
  ac.patch_sites.push_back(rvjit::PatchSiteMark{static_cast<uint32_t>(site_offset),
                                                rvjit::site_size(l), rvjit::hook_site_tag(l)});
  rvjit::Result<rvjit::HookedFunction> f =
      m->impl->install(ac, name, rvjit::HookSignature::of(int_args, fp_args));
  if (!f.ok()) {
    put_error(f.error(), err, err_size);
    return 0;
  }
  return f->entry;
}

uint64_t rvjit_hook_register(rvjit_hook_manager* m, const rvjit_hook_ops* ops, const char* filter,
                             char* err, size_t err_size) {
  return register_with(m, ops, filter ? rvjit::HookFilter::glob(filter) : rvjit::HookFilter::all(),
                       err, err_size);
}

uint64_t rvjit_hook_register_list(rvjit_hook_manager* m, const rvjit_hook_ops* ops,
                                  const char* const* names, size_t count, char* err,
                                  size_t err_size) {
  std::vector<std::string> v;
  for (size_t i = 0; names && i < count; ++i) v.emplace_back(names[i]);
  return register_with(m, ops, rvjit::HookFilter::list(std::move(v)), err, err_size);
}

int rvjit_hook_enable(rvjit_hook_manager* m, uint64_t id, char* err, size_t err_size) {
  return status(m ? m->impl->enable(id) : null_manager(), err, err_size);
}

int rvjit_hook_disable(rvjit_hook_manager* m, uint64_t id, char* err, size_t err_size) {
  return status(m ? m->impl->disable(id) : null_manager(), err, err_size);
}

int rvjit_hook_set_filter(rvjit_hook_manager* m, uint64_t id, const char* filter, char* err,
                          size_t err_size) {
  return status(m ? m->impl->set_filter(id, filter ? rvjit::HookFilter::glob(filter)
                                                   : rvjit::HookFilter::all())
                  : null_manager(),
                err, err_size);
}

int rvjit_hook_swap(rvjit_hook_manager* m, uint64_t id, rvjit_hook_fn entry, rvjit_hook_fn exit,
                    void* user_data, char* err, size_t err_size) {
  return status(m ? m->impl->swap(id, entry, exit, user_data) : null_manager(), err, err_size);
}

int rvjit_hook_unregister(rvjit_hook_manager* m, uint64_t id, char* err, size_t err_size) {
  return status(m ? m->impl->unregister(id) : null_manager(), err, err_size);
}

int rvjit_hook_synchronize(rvjit_hook_manager* m, char* err, size_t err_size) {
  return status(m ? m->impl->synchronize() : null_manager(), err, err_size);
}

}  // extern "C"
