// Self-contained interactive SVG flame graph: one <g class="frame"> per calling-context
// path, width proportional to its total (inclusive) time, callers below callees, a <title>
// tooltip per frame, and an embedded script (svg_script.cpp) for click-to-zoom, reset and
// search with the matched share. No external script, font or stylesheet: the file opens
// offline in any browser.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "rvprof/writers.h"
#include "svg_script.h"

namespace rvprof {
namespace {

struct Node {
  std::string name;
  uint64_t calls = 0;
  uint64_t total_ns = 0;
  uint64_t self_ns = 0;
  std::map<std::string, std::unique_ptr<Node>> children;  // name order: stable output
};

// A frame is at least as wide as its callees: a caller cut by a detach (0 calls) still
// holds the callees that completed.
uint64_t widen(Node& n) {
  uint64_t sum = 0;
  for (auto& [k, c] : n.children) sum += widen(*c);
  n.total_ns = std::max(n.total_ns, sum);
  return n.total_ns;
}

size_t depth_of(const Node& n) {
  size_t d = 0;
  for (const auto& [k, c] : n.children) d = std::max(d, depth_of(*c));
  return d + 1;
}

uint32_t name_hash(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

constexpr double kWidth = 1200.0;
constexpr double kFrameHeight = 17.0;
constexpr double kX0 = 10.0;   // left margin
constexpr double kTop = 50.0;  // title, description and buttons above the frames
constexpr double kCharWidth = 7.0;

struct Ctx {
  std::ostream& out;
  double scale;  // pixels per ns
  size_t levels;
  uint64_t root_total;
};

// `offset_ns`: where the frame starts, in ns from the root's left edge (the script zooms
// with it); x and width are the unzoomed drawing.
void emit(Ctx& c, const Node& n, uint64_t offset_ns, size_t level) {
  const double x = kX0 + offset_ns * c.scale;
  const double w = n.total_ns * c.scale;
  // Root at the bottom, callees above it.
  const double y = kTop + (c.levels - 1 - level) * kFrameHeight;
  const uint32_t h = name_hash(n.name);
  const int r = 205 + static_cast<int>(h % 50);
  const int g = 80 + static_cast<int>((h >> 8) % 130);
  const int b = 40 + static_cast<int>((h >> 16) % 40);
  const double pct = c.root_total ? 100.0 * n.total_ns / c.root_total : 0.0;
  char buf[256];
  std::string name = xml_escape(n.name);
  c.out << "<g class=\"frame\" data-name=\"" << name << "\" data-o=\"" << offset_ns
        << "\" data-t=\"" << n.total_ns << "\" data-l=\"" << level << "\"><title>" << name;
  std::snprintf(buf, sizeof buf, " (%llu calls, total %.3f ms, self %.3f ms, %.2f%%)",
                static_cast<unsigned long long>(n.calls), n.total_ns / 1e6, n.self_ns / 1e6, pct);
  c.out << buf << "</title>";
  std::snprintf(buf, sizeof buf,
                "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"rgb(%d,%d,%d)\" "
                "rx=\"2\" ry=\"2\"/>",
                x, y, std::max(w, 0.1), kFrameHeight - 1, r, g, b);
  c.out << buf;
  // Always a <text>, empty when the name does not fit: the script relabels on zoom.
  const double fit_chars = (w - 6) / kCharWidth;
  const size_t fit = fit_chars > 0 ? static_cast<size_t>(fit_chars) : 0;
  std::string label;
  if (fit >= 3) {
    label = n.name;
    if (label.size() > fit) label = label.substr(0, fit - 2) + "..";
  }
  std::snprintf(buf, sizeof buf, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + kFrameHeight - 5);
  c.out << buf << xml_escape(label) << "</text></g>\n";
  uint64_t child_offset = offset_ns;
  for (const auto& [k, child] : n.children) {
    emit(c, *child, child_offset, level + 1);
    child_offset += child->total_ns;
  }
}

}  // namespace

void write_svg(std::ostream& out, const Profile& p, std::string_view title) {
  Node root;
  root.name = "all";
  for (const StackStats& s : p.stacks) {
    Node* n = &root;
    for (const std::string& f : s.frames) {
      auto& slot = n->children[f];
      if (!slot) {
        slot = std::make_unique<Node>();
        slot->name = f;
      }
      n = slot.get();
    }
    n->calls += s.calls;
    n->total_ns += s.total_ns;
    n->self_ns += s.self_ns;
  }
  widen(root);
  for (const auto& [k, c] : root.children) root.calls += c->calls;
  const size_t levels = depth_of(root);
  const double height = kTop + levels * kFrameHeight + 30;
  const double width = kWidth + 2 * kX0;
  char buf[512];
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
  // data-*: the layout numbers the script needs (svg_script.cpp).
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
                "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" data-width=\"%.0f\" data-x0=\"%.0f\" "
                "data-char=\"%.0f\">\n",
                width, height, width, height, kWidth, kX0, kCharWidth);
  out << buf;
  out << "<style>text{font-family:monospace;font-size:12px;fill:#000}"
         " .h{font-size:16px} .s{font-size:11px;fill:#444}"
         " .btn{cursor:pointer;fill:#225} .frame{cursor:pointer}"
         " .frame:hover rect{stroke:#000;stroke-width:0.5} .parent{opacity:0.5}</style>\n";
  out << "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#fdf8f0\"/>\n";
  out << "<text class=\"h\" x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\">"
      << xml_escape(title) << "</text>\n";
  out << "<text class=\"s\" x=\"" << width / 2 << "\" y=\"38\" text-anchor=\"middle\">"
      << xml_escape(p.sampling.describe())
      << "; width = total time; click a frame to zoom, Ctrl-F to search</text>\n";
  out << "<text id=\"reset\" class=\"btn\" x=\"" << kX0 << "\" y=\"22\" style=\"opacity:0.1\">"
         "Reset Zoom</text>\n";
  out << "<text id=\"search\" class=\"btn\" x=\"" << width - kX0 << "\" y=\"22\" "
         "text-anchor=\"end\">Search</text>\n";
  out << "<text id=\"details\" x=\"" << kX0 << "\" y=\"" << height - 10 << "\"> </text>\n";
  out << "<text id=\"matched\" x=\"" << width - kX0 << "\" y=\"" << height - 10
      << "\" text-anchor=\"end\"></text>\n";
  if (root.total_ns > 0) {
    Ctx c{out, kWidth / static_cast<double>(root.total_ns), levels, root.total_ns};
    emit(c, root, 0, 0);
  }
  out << "<script type=\"text/ecmascript\"><![CDATA[" << kFlameGraphScript << "]]></script>\n";
  out << "</svg>\n";
}

}  // namespace rvprof
