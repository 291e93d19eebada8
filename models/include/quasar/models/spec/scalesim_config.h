#pragma once
// Import of SCALE-Sim v2 configuration files (.cfg), so users keep the accelerators they already
// describe that way; LoadArchSpec reads any path ending in ".cfg" through it. docs/scalesim.md
// gives the mapping and what it does not carry over.
//
// The format is Python's configparser INI as scale-sim-v2 reads it (scalesim/scale_config.py,
// read_conf_file): sections [general] (run_name), [architecture_presets] (ArrayHeight,
// ArrayWidth, IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, Dataflow os|ws|is, Bandwidth: a
// comma-separated list, one per memory bank, in words per cycle) and [run_presets]
// (InterfaceBandwidth CALC|USER); keys are case-insensitive, "key: value" or "key = value",
// lines starting with '#' or ';' are comments. Other keys and sections (the memory offsets,
// MemoryBanks, TopologyCsvLoc, ...) are accepted and do not change the ArchSpec.
//
// SCALE-Sim words are one byte and its arrays multiply 8-bit operands, so the ArchSpec is an
// int8 MAC with 1-byte SRAM words and double-buffered SRAMs of the given KiB. DRAM: in USER mode
// the ifmap, filter and ofmap memories each have their own interface of `Bandwidth` bytes per
// cycle (the smallest bank's); Quasar has one channel shared by all transfers, given three times
// that. In CALC mode SCALE-Sim reports the bandwidth a stall-free run needs instead of using
// one; the ArchSpec gets the largest bandwidth an architecture may have (65536 bytes per cycle).
// No latency either way (the file has none). Everything else is the ArchSpec default.

#include <string>

#include "quasar/models/spec/arch_spec.h"

namespace quasar::models {

// The DRAM bandwidth a CALC-mode configuration gets: the largest an ArchSpec may have.
inline constexpr double kScaleSimCalcBytesPerCycle = 65536;

// Throws InputError naming the file, the section and key, and the value for a missing section
// or key, a non-numeric size, an unknown dataflow or bandwidth mode, or a value out of the
// ArchSpec's range.
ArchSpec ImportScaleSimConfig(const std::string& path);
// The same from text; `where` names the source in messages and becomes ArchSpec::file.
ArchSpec ParseScaleSimConfig(const std::string& text, const std::string& where);

}  // namespace quasar::models
