// Parsing and running bpf_conformance-style test files.
#include "ebpf/test_file.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "ebpf/assembler.h"

namespace rvjit::ebpf {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view strip_comment(std::string_view s) {
  size_t c = s.find('#');
  return trim(c == std::string_view::npos ? s : s.substr(0, c));
}

Error fail(int line, const std::string& msg) {
  return Error(ErrorCode::kParseError, "line " + std::to_string(line) + ": " + msg);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses "0x..." hex or decimal, optionally negative, into 64 bits (wrapping negatives).
bool parse_u64(std::string_view s, uint64_t& out) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') { neg = true; s.remove_prefix(1); }
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; s.remove_prefix(2); }
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d = hex_digit(c);
    if (d < 0 || static_cast<unsigned>(d) >= base) return false;
    if (v > (UINT64_MAX - static_cast<unsigned>(d)) / base) return false;
    v = v * base + static_cast<unsigned>(d);
  }
  out = neg ? 0 - v : v;
  return true;
}

// Sections the bpf_conformance suite's parser skips: ubpf's C source, and the marker
// "-- no register offset" (tests an implementation may skip; its text is ignored).
bool is_ignored_section(const std::string& name) {
  return name == "c" || name == "no register offset";
}

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Result<TestCase> parse_test_case(std::string_view text) {
  TestCase tc;
  std::string section;  // "" before the first header
  int line_no = 0;
  int section_line = 0;
  std::string asm_text, error_text;
  bool have_result = false;
  std::vector<Insn> raw;
  bool seen_asm = false, seen_raw = false, seen_result = false, seen_error = false, seen_mem = false;

  for (;;) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    std::string_view t = trim(line);
    if (t.substr(0, 2) == "--") {
      section = std::string(trim(t.substr(2)));
      section_line = line_no;
      bool* seen = section == "asm" ? &seen_asm : section == "raw" ? &seen_raw
                 : section == "mem" ? &seen_mem : section == "result" ? &seen_result
                 : section == "error" ? &seen_error : nullptr;
      if (seen == nullptr && !is_ignored_section(section)) {
        return fail(line_no, "unknown section '-- " + section + "' (known: asm, raw, mem, result, "
                             "error, and c / no register offset, which are ignored)");
      }
      if (seen != nullptr) {
        if (*seen) return fail(line_no, "duplicate section '-- " + section + "'");
        *seen = true;
      }
      if (section == "asm") tc.asm_first_line = line_no + 1;
    } else if (section.empty()) {
      if (!t.empty() && t[0] != '#') return fail(line_no, "text before the first '-- section'");
    } else if (section == "asm") {
      asm_text.append(line);
      asm_text += '\n';
    } else if (section == "raw") {
      // One or more whitespace-separated 64-bit words per line (the suite joins the lines).
      std::istringstream words{std::string(strip_comment(t))};
      std::string w;
      while (words >> w) {
        uint64_t word;
        if (!parse_u64(w, word)) return fail(line_no, "invalid raw instruction '" + w + "'");
        raw.push_back(Insn::from_raw(word));
      }
    } else if (section == "mem") {
      std::string_view v = strip_comment(t);
      std::istringstream words{std::string(v)};
      std::string w;
      while (words >> w) {
        if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) w = w.substr(2);
        if (w.empty() || w.size() > 2 || hex_digit(w[0]) < 0 || (w.size() == 2 && hex_digit(w[1]) < 0)) {
          return fail(line_no, "invalid mem byte '" + w + "'");
        }
        tc.mem.push_back(static_cast<uint8_t>(w.size() == 1 ? hex_digit(w[0]) : hex_digit(w[0]) * 16 + hex_digit(w[1])));
      }
    } else if (section == "result") {
      std::string_view v = strip_comment(t);
      if (!v.empty()) {
        if (have_result) return fail(line_no, "more than one value in '-- result'");
        uint64_t r;
        if (!parse_u64(v, r)) return fail(line_no, "invalid result '" + std::string(v) + "'");
        tc.result = r;
        have_result = true;
      }
    } else if (section == "error") {
      if (!t.empty()) {
        if (!error_text.empty()) error_text += ' ';
        error_text.append(t);
      }
    }
    if (nl == std::string_view::npos) break;
    text = text.substr(nl + 1);
  }

  if (!seen_asm && !seen_raw) return fail(section_line, "no '-- asm' or '-- raw' section");
  if (seen_raw && raw.empty()) return fail(section_line, "'-- raw' has no instruction");
  if (seen_result && !have_result) return fail(section_line, "'-- result' has no value");
  // With both, the raw words are the program, as in the suite (the asm is its source).
  if (seen_raw) tc.raw = std::move(raw);
  else tc.asm_text = std::move(asm_text);
  // An empty '-- error' expects no error (the suite's rule); with a result as well, either
  // outcome passes (the suite compares the error when the run fails, else r0).
  if (!error_text.empty()) tc.error = std::move(error_text);
  return tc;
}

Result<TestCase> load_test_case(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto tc = parse_test_case(ss.str());
  if (!tc) return Error(tc.error().code(), path + ": " + tc.error().message());
  return tc;
}

Result<Program> build_program(const TestCase& test) {
  if (test.raw) return Program::create(*test.raw);
  auto assembled = assemble(test.asm_text.value_or(""), test.asm_first_line);
  if (!assembled) return assembled.error();
  return Program::create(std::move(assembled->insns), assembled->labels);
}

TestOutcome run_test_case(const TestCase& test, Engine& engine, const HelperRegistry& helpers,
                          const RunOptions& options) {
  TestOutcome out;
  auto program = build_program(test);
  if (!program) {
    out.error = program.error();
  } else {
    auto exe = engine.load(*program, helpers);
    if (!exe) {
      out.error = exe.error();
    } else {
      std::vector<uint8_t> mem = test.mem;  // the program may write it
      auto r = (*exe)->run(mem, options);
      if (r) out.r0 = *r; else out.error = r.error();
    }
  }

  const std::string got = out.r0 ? "r0 = " + hex64(*out.r0) : "error " + out.error->to_string();
  if (test.error && test.result) {
    const bool error_matches = out.error && out.error->to_string().find(*test.error) != std::string::npos;
    out.passed = error_matches || (out.r0 && *out.r0 == *test.result);
    out.detail = out.passed ? "got expected " + got
                            : "expected r0 = " + hex64(*test.result) + " or error containing '" +
                                  *test.error + "', got " + got;
  } else if (test.error) {
    out.passed = out.error && out.error->to_string().find(*test.error) != std::string::npos;
    out.detail = (out.passed ? "got expected " : "expected error containing '" + *test.error + "', got ") + got;
  } else if (test.result) {
    out.passed = out.r0 && *out.r0 == *test.result;
    out.detail = out.passed ? got : "expected r0 = " + hex64(*test.result) + ", got " + got;
  } else {
    out.passed = out.r0.has_value();
    out.detail = got;
  }
  return out;
}

}  // namespace rvjit::ebpf
