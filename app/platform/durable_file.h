#pragma once

#include <filesystem>
#include <string_view>

#include "domain/common/error.h"

namespace staylab::app {

// Replaces `path` with `text` whole or not at all: writes a sibling
// `path`.tmp with permissions `mode`, fsyncs it, renames it over `path` and
// fsyncs the directory. StoreFailure `code`, naming the file and the
// system's reason, when any step fails (then `path` is as it was).
[[nodiscard]] Result<void> writeFileDurably(const std::filesystem::path& path,
                                            std::string_view text, unsigned mode, const char* code);

}  // namespace staylab::app
