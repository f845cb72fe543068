// Internal records of the ORT builder (C facade writing side), shared by
// ort_writer.cpp (recording API) and ort_serialize.cpp (finish).
#ifndef ORT_BUILDER_H
#define ORT_BUILDER_H

#include <utility>

#include "ort_internal.h"

namespace ort_detail {

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

using OptStrings = Opt<std::string>;

inline OptStr str_in(const char *s) {
  OptStr o;
  if (s) o.present = true, o.s = s;
  return o;
}

// Copies n elements (p == NULL: absent vector).
template <typename T> bool copy_in(Opt<T> *dst, const T *p, size_t n, const char *what, char *err, size_t errlen) {
  if (!p && n > 0) {
    set_error(err, errlen, "%s is NULL but its count is %zu", what, n);
    return false;
  }
  dst->present = p != nullptr;
  if (p) dst->v.assign(p, p + n);
  return true;
}

// Copies a string list given as caller strings or as a reader view.
bool strings_in(OptStrings *dst, const ort_strings &src, const char *what, char *err, size_t errlen);

struct TensorRec {
  OptStr name, doc_string;
  Opt<int64_t> dims;
  int32_t data_type = 0;
  bool has_raw = false;
  Offset<Vector<uint8_t>> raw;  // already built (16-byte aligned)
  OptStrings string_data;
  int64_t external_data_offset = -1;
};

struct SparseRec {
  bool has_values = false, has_indices = false;
  TensorRec values, indices;
  Opt<int64_t> dims;
};

struct LevelRec {  // one TypeInfo of a node arg's type chain
  OptStr denotation;
  uint8_t value_type = 0;
  bool has_value = false;
  int32_t elem_type = 0;
  bool has_shape = false, has_dims = false;
};

struct DimRec {
  bool has_value = false;
  int8_t dim_type = 0;
  int64_t dim_value = 0;
  OptStr dim_param, denotation;
};

struct NodeArgRec {
  OptStr name, doc_string;
  std::vector<LevelRec> levels;
  std::vector<DimRec> dims;
};

struct AttrRec {
  OptStr name, doc_string;
  int32_t type = 0;
  float f = 0;
  int64_t i = 0;
  OptStr s;
  bool has_t = false;
  TensorRec t;
  int32_t g = -1;
  Opt<float> floats;
  Opt<int64_t> ints;
  OptStrings strings;
  bool has_tensors = false;
  std::vector<TensorRec> tensors;
  Opt<int32_t> graphs;
};

struct NodeRec {
  OptStr name, doc_string, domain, op_type, ep_type;
  int32_t since_version = 0, type = 0;
  uint32_t index = 0;
  OptStrings inputs, outputs, implicit_inputs;
  Opt<int32_t> input_arg_counts;
  bool has_attributes = false;
  std::vector<AttrRec> attributes;
};

struct EdgeRec {
  uint32_t node_index = 0;
  Opt<fbs::EdgeEnd> input_edges, output_edges;
};

struct OptRecordRec {  // RuntimeOptimizationRecord
  OptStr action_id;
  bool has_nodes = false;
  Opt<uint32_t> node_indices;
  uint32_t num_inputs = 0, num_outputs = 0, num_variadic_inputs = 0, num_variadic_outputs = 0;
  bool has_variadic_input = false, has_variadic_output = false;
  OptStrings produced_op_ids;
};

struct OptEntryRec {  // RuntimeOptimizationRecordContainerEntry
  std::string optimizer_name;
  bool has_records = false;
  std::vector<OptRecordRec> records;
};

struct GraphRecB {
  uint32_t max_node_index = 0;
  OptStrings inputs, outputs;
  bool has_initializers = false, has_node_args = false, has_nodes = false, has_node_edges = false;
  bool has_sparse_initializers = false, has_runtime_optimizations = false, has_runtime_optimization_records = false;
  std::vector<TensorRec> initializers;
  std::vector<NodeArgRec> node_args;
  std::vector<NodeRec> nodes;
  std::vector<EdgeRec> edges;
  std::vector<SparseRec> sparse_initializers;
  std::vector<OptEntryRec> runtime_optimizations;
};

struct KtsArgsRec {
  std::string kernel_type_str;
  bool has_args = false;
  std::vector<std::pair<int8_t, uint32_t>> args;
};

struct KtsOpRec {
  std::string op_id;
  bool has_entries = false;
  std::vector<KtsArgsRec> entries;
};

constexpr uint64_t kRawDataAlignment = 16;
constexpr uint64_t kHeadroom = 16u << 20;  // reserved for tables while checking the 2 GiB limit

}  // namespace ort_detail

struct ort_builder {
  flatbuffers::FlatBufferBuilder fbb{1 << 16};
  enum { OPEN, FINISHED, FAILED } state = OPEN;
  ort_detail::OptStr ort_version = ort_detail::str_in(ORT_FB_FORMAT_VERSION);
  int64_t ir_version = 0, model_version = 0;
  ort_detail::OptStr producer_name, producer_version, domain, doc_string, graph_doc_string;
  bool has_opset_import = false, has_metadata_props = false;
  bool has_resolver = false, has_resolver_ops = false;
  std::vector<std::pair<ort_detail::OptStr, int64_t>> opsets;
  std::vector<std::pair<ort_detail::OptStr, ort_detail::OptStr>> metadata;
  std::vector<ort_detail::GraphRecB> graphs;
  std::vector<ort_detail::KtsOpRec> kts_ops;

  // Fails when adding extra bytes could push the flatbuffer past 2 GiB.
  bool room(uint64_t extra, char *err, size_t errlen) {
    if (fbb.GetSize() + extra + ort_detail::kHeadroom < FLATBUFFERS_MAX_BUFFER_SIZE) return true;
    ort_detail::set_error(err, errlen, "the flatbuffer would exceed 2 GiB (ORT models are limited to 2 GiB)");
    return false;
  }
};

namespace ort_detail {

inline bool check_open(const ort_builder *b, char *err, size_t errlen) {
  if (!b) set_error(err, errlen, "builder handle is NULL");
  else if (b->state != ort_builder::OPEN) set_error(err, errlen, "builder is already finished (or failed)");
  return b && b->state == ort_builder::OPEN;
}

}  // namespace ort_detail

#endif  // ORT_BUILDER_H
