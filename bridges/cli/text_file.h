// Whole-file reads for the small text files the CLI consumes: the configuration, the admin token,
// the daemon's endpoint file and job definitions. Pure functions over the filesystem; safe from any
// thread.
#pragma once

#include <cstdio>
#include <string>

namespace belfry::cli {

// Reads all of `path` into `content`. On failure returns false, sets `error` to
// "cannot read PATH: REASON" and, when given, `errorNumber` to the errno value (ENOENT lets a
// caller tell "absent" from "unreadable").
bool readTextFile(const std::string& path, std::string* content, std::string* error,
                  int* errorNumber = nullptr);

// Reads `stream` to its end (used for `--file -`). Same error contract; `name` names the stream in
// the message.
bool readTextStream(std::FILE* stream, const std::string& name, std::string* content,
                    std::string* error);

// `text` without leading and trailing ASCII whitespace.
std::string trimWhitespace(const std::string& text);

}  // namespace belfry::cli
