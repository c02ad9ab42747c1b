// The script embedded in the flame graph SVG (svg_writer.cpp): click-to-zoom, reset zoom,
// search with the matched share, details on hover. Kept in its own file so the writer
// stays about layout. Plain ECMAScript 5, no network, no library.
#pragma once

namespace rvprof {

// Valid inside <![CDATA[ ... ]]> (it never contains "]]>").
extern const char* const kFlameGraphScript;

}  // namespace rvprof
