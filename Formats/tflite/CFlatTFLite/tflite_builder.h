// Internal records of the TFLite builder (C facade writing side), shared by
// tflite_writer.cpp (recording API) and tflite_serialize.cpp (finish).
#ifndef TFLITE_BUILDER_H
#define TFLITE_BUILDER_H

#include <exception>
#include <new>
#include <utility>
#include <vector>

#include "tflite_internal.h"

namespace tfl_detail {

using flatbuffers::Offset;
using flatbuffers::Vector;

template <typename T> struct Opt {  // an optional vector
  bool present = false;
  std::vector<T> v;
};

struct OptStr {
  bool present = false;
  std::string s;
};

template <typename T> bool copy_in(Opt<T> *dst, const T *p, size_t n, const char *what, char *err, size_t errlen) {
  if (!p && n > 0) {
    set_error(err, errlen, "%s is NULL but its count is %zu", what, n);
    return false;
  }
  dst->present = p != nullptr;
  if (p) dst->v.assign(p, p + n);
  return true;
}

inline OptStr str_in(const char *s) {
  OptStr o;
  if (s) o.present = true, o.s = s;
  return o;
}

struct SubgraphRef {  // a subgraph index found in operator options
  const char *field;
  int64_t value;
};

struct DimRec {
  int8_t format = 0;
  int32_t dense_size = 0;
  uint8_t seg_type = 0, idx_type = 0;
  Opt<uint8_t> seg, idx;  // raw little-endian elements
  size_t seg_count = 0, idx_count = 0;
};

struct VariantRec {
  Opt<int32_t> shape;
  int8_t type = 0;
  bool has_rank = false;
};

struct TensorRec {
  OptStr name;
  int8_t type = 0;
  uint32_t buffer = 0, external_buffer = 0;
  Opt<int32_t> shape, shape_signature;
  bool is_variable = false, has_rank = false;
  bool has_quant = false;
  Opt<float> q_scale, q_min, q_max;
  Opt<int64_t> q_zero_point;
  int32_t q_dim = 0;
  uint8_t q_details_type = 0;
  Opt<uint8_t> q_custom;
  int32_t q_scales = 0, q_zero_points = 0, q_block_size = 0;
  Opt<int32_t> q_dims;
  bool has_sparsity = false;
  Opt<int32_t> traversal_order, block_map;
  std::vector<DimRec> dims;
  std::vector<VariantRec> variants;
};

struct OperatorRec {
  uint32_t opcode_index = 0;
  std::vector<int32_t> inputs, outputs;
  Opt<int32_t> intermediates;
  uint8_t opt1_type = 0, opt2_type = 0;
  Offset<void> opt1, opt2;  // already built
  Offset<Vector<uint8_t>> custom;  // already built, 0 if absent
  int8_t custom_format = 0;
  Opt<uint8_t> mutating;
  uint64_t large_offset = 0, large_size = 0;
  int32_t debug_metadata_index = -1;
  std::vector<SubgraphRef> subgraph_refs;
};

struct SubgraphRec {
  OptStr name;
  std::vector<int32_t> inputs, outputs;
  int32_t debug_metadata_index = -1;
  std::vector<TensorRec> tensors;
  std::vector<OperatorRec> ops;
};

struct BufferRec {
  bool has_data = false;
  Offset<Vector<uint8_t>> data;
  bool external = false;
  uint64_t size = 0;
  uint64_t placement = 0;  // file offset of external data, set by finish
};

struct CodeRec {
  int32_t code = 0;
  OptStr custom_code;
  int32_t version = 1;
};

struct SignatureRec {
  OptStr key;
  uint32_t subgraph = 0;
  std::vector<std::pair<OptStr, uint32_t>> inputs, outputs;
};

struct ExtBufferRec {
  uint32_t id = 0, group = 0;
  uint64_t offset = 0, length = 0;
  OptStr packing;
};

constexpr uint64_t kExternalAlignment = 16;
constexpr uint64_t kOffsetPlaceholder = ~0ull;  // non-default, so the field is stored and can be patched
constexpr uint64_t kHeadroom = 16u << 20;       // reserved for tables while checking the 2 GiB limit

inline uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

template <typename T> Offset<Vector<T>> vec(flatbuffers::FlatBufferBuilder &fbb, const Opt<T> &o) {
  return o.present ? fbb.CreateVector(o.v) : Offset<Vector<T>>();
}

inline Offset<flatbuffers::String> str(flatbuffers::FlatBufferBuilder &fbb, const OptStr &o) {
  return o.present ? fbb.CreateString(o.s) : Offset<flatbuffers::String>();
}

}  // namespace tfl_detail

struct tfl_builder {
  flatbuffers::FlatBufferBuilder fbb{1 << 16};
  bool external = false;
  enum { OPEN, FINISHED, FAILED } state = OPEN;
  uint32_t version = 3;
  tfl_detail::OptStr description;
  tfl_detail::Opt<int32_t> metadata_buffer;
  std::vector<tfl_detail::CodeRec> codes;
  std::vector<tfl_detail::BufferRec> buffers;
  std::vector<tfl_detail::SubgraphRec> subgraphs;
  std::vector<tfl_detail::SignatureRec> signatures;
  std::vector<std::pair<tfl_detail::OptStr, uint32_t>> metadata;
  std::vector<tfl_detail::OptStr> ext_groups;
  std::vector<tfl_detail::ExtBufferRec> ext_buffers;
  uint64_t file_size = 0;

  // Fails when adding extra bytes could push the flatbuffer past 2 GiB.
  bool room(uint64_t extra, char *err, size_t errlen) {
    if (fbb.GetSize() + extra + tfl_detail::kHeadroom < FLATBUFFERS_MAX_BUFFER_SIZE) return true;
    tfl_detail::set_error(err, errlen, "the flatbuffer would exceed 2 GiB%s",
                          external ? "" : "; create the builder with TFL_BUILDER_EXTERNAL_BUFFERS");
    return false;
  }
};

namespace tfl_detail {

inline bool check_open(const tfl_builder *b, char *err, size_t errlen) {
  if (!b) set_error(err, errlen, "builder handle is NULL");
  else if (b->state != tfl_builder::OPEN) set_error(err, errlen, "builder is already finished (or failed)");
  return b && b->state == tfl_builder::OPEN;
}

}  // namespace tfl_detail

// Every C entry point of the writer converts C++ exceptions (allocation
// failures) into an error result.
#define TFL_TRY try {
#define TFL_CATCH(ret)                                      \
  }                                                         \
  catch (const std::bad_alloc &) {                          \
    set_error(err, errlen, "out of memory");                \
    return ret;                                             \
  }                                                         \
  catch (const std::exception &e) {                         \
    set_error(err, errlen, "internal error: %s", e.what()); \
    return ret;                                             \
  }                                                         \
  catch (...) {                                             \
    set_error(err, errlen, "internal error");               \
    return ret;                                             \
  }

#endif  // TFLITE_BUILDER_H
