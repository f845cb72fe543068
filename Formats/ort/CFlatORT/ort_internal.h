// Internal C++ declarations shared by the CFlatORT sources. Not part of the
// public (C) interface in include/ort_facade.h.
#ifndef ORT_INTERNAL_H
#define ORT_INTERNAL_H

// flatbuffers' inline verifier functions change with this macro, and
// CFlatTFLite (linked into the same binaries) defines it: every source file
// including flatbuffers must see the same definitions (one definition rule).
#ifndef FLATBUFFERS_TRACK_VERIFIER_BUFFER_SIZE
#define FLATBUFFERS_TRACK_VERIFIER_BUFFER_SIZE 1
#endif

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "include/ort_facade.h"

// The generated CreateXDirect helpers of tables with (key) fields sort with
// std::stable_sort, which uses std::get_temporary_buffer, deprecated in
// C++17; clang reports that from libstdc++ in every source file, at the end
// of the file (where templates are instantiated), so the warning stays off
// for the CFlatORT sources (this header is internal to them).
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#endif
#include "ort_generated.h"

namespace ort_detail {

namespace fbs = onnxruntime::fbs;

using StringVector = flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>;

// Writes a printf-style message into the caller's error buffer.
void set_error(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

// Prefixes the message already in err with "<prefix>: ".
void prefix_error(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

// ort_verify (identifier, size limits, flatbuffers verifier, failure location).
int verify_model(const uint8_t *data, size_t len, char *err, size_t errlen);

// Models with more graphs (main graph plus nested ones) are refused: a
// subgraph table referenced from several attributes is enumerated once per
// reference, which could otherwise multiply the count.
constexpr size_t kMaxGraphs = 1u << 20;

template <typename T> size_t vsize(const flatbuffers::Vector<T> *v) { return v ? v->size() : 0; }
template <typename T> const T *vdata(const flatbuffers::Vector<T> *v) { return v ? v->data() : nullptr; }

inline const char *cstr(const flatbuffers::String *s) { return s ? s->c_str() : nullptr; }

// A reader view of a [string] vector (NULL vector = absent).
inline ort_strings strings_view(const StringVector *v) {
  ort_strings s;
  s.vector = v;
  s.items = nullptr;
  s.lengths = nullptr;
  s.count = vsize(v);
  s.present = v != nullptr;
  return s;
}

// One graph of the model: the main graph (id 0) or a graph nested in a node
// attribute. Children of a graph have consecutive ids [child_begin,
// child_end), ordered by (node, attribute, index in Attribute.graphs).
struct GraphRec {
  const fbs::Graph *graph;
  int32_t parent;        // -1 for the main graph
  int32_t parent_node;
  int32_t parent_attr;
  int32_t parent_index;  // -1 = Attribute.g
  uint32_t child_begin;
  uint32_t child_end;
};

}  // namespace ort_detail

// The opaque model handle of the C interface.
struct ort_model {
  const uint8_t *data;
  size_t len;
  const onnxruntime::fbs::InferenceSession *session;
  const onnxruntime::fbs::Model *model;  // NULL if absent
  std::vector<ort_detail::GraphRec> graphs;
  std::vector<int32_t> ids;  // ids[k] == k: backing store of ort_attribute.graphs
};

// Every C entry point that allocates converts C++ exceptions (allocation
// failures) into an error result.
#define ORT_TRY try {
#define ORT_CATCH(ret)                                                  \
  }                                                                     \
  catch (const std::bad_alloc &) {                                      \
    ort_detail::set_error(err, errlen, "out of memory");                \
    return ret;                                                         \
  }                                                                     \
  catch (const std::exception &e) {                                     \
    ort_detail::set_error(err, errlen, "internal error: %s", e.what()); \
    return ret;                                                         \
  }                                                                     \
  catch (...) {                                                         \
    ort_detail::set_error(err, errlen, "internal error");               \
    return ret;                                                         \
  }

#endif  // ORT_INTERNAL_H
