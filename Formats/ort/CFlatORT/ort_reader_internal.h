// Lookup helpers shared by the reading side of the ORT C facade
// (ort_reader.cpp, ort_reader_values.cpp). Every helper bounds-checks the
// index it follows and names the element in its error message.
#ifndef ORT_READER_INTERNAL_H
#define ORT_READER_INTERNAL_H

#include "ort_internal.h"

namespace ort_detail {

inline bool check_model(const ort_model *m, char *err, size_t errlen) {
  if (m && m->session) return true;
  set_error(err, errlen, "model handle is NULL");
  return false;
}

// Graph id -> record.
inline const GraphRec *graph_rec(const ort_model *m, int32_t graph, char *err, size_t errlen) {
  if (!check_model(m, err, errlen)) return nullptr;
  if (graph < 0 || static_cast<size_t>(graph) >= m->graphs.size()) {
    set_error(err, errlen, "graph id %d out of range (%zu graphs)", graph, m->graphs.size());
    return nullptr;
  }
  return &m->graphs[static_cast<size_t>(graph)];
}

inline const fbs::Graph *get_graph(const ort_model *m, int32_t graph, char *err, size_t errlen) {
  const GraphRec *r = graph_rec(m, graph, err, errlen);
  return r ? r->graph : nullptr;
}

// Element `index` of a vector of tables in graph `graph` ("node", "initializer", ...).
template <typename T>
const T *graph_elem(const flatbuffers::Vector<flatbuffers::Offset<T>> *vec, int32_t graph, size_t index,
                    const char *what, char *err, size_t errlen) {
  if (index >= vsize(vec)) {
    set_error(err, errlen, "graph %d: %s index %zu out of range (%zu)", graph, what, index, vsize(vec));
    return nullptr;
  }
  return vec->Get(static_cast<flatbuffers::uoffset_t>(index));
}

inline const fbs::Node *get_node(const ort_model *m, int32_t graph, size_t node, char *err, size_t errlen) {
  auto g = get_graph(m, graph, err, errlen);
  return g ? graph_elem(g->nodes(), graph, node, "node", err, errlen) : nullptr;
}

inline const fbs::Attribute *get_attribute(const ort_model *m, int32_t graph, size_t node, size_t attribute,
                                           char *err, size_t errlen) {
  auto n = get_node(m, graph, node, err, errlen);
  if (!n) return nullptr;
  if (attribute >= vsize(n->attributes())) {
    set_error(err, errlen, "graph %d, node %zu: attribute index %zu out of range (%zu attributes)", graph, node,
              attribute, vsize(n->attributes()));
    return nullptr;
  }
  return n->attributes()->Get(static_cast<flatbuffers::uoffset_t>(attribute));
}

// Fills a tensor view (no checks needed: all fields are plain data).
inline void tensor_view(const fbs::Tensor *t, ort_tensor *out) {
  std::memset(out, 0, sizeof(*out));
  out->name = cstr(t->name());
  out->doc_string = cstr(t->doc_string());
  out->dims = vdata(t->dims());
  out->dim_count = vsize(t->dims());
  out->data_type = static_cast<int32_t>(t->data_type());
  out->raw_data = vdata(t->raw_data());
  out->raw_data_size = vsize(t->raw_data());
  out->string_data = strings_view(t->string_data());
  out->external_data_offset = t->external_data_offset();
}

}  // namespace ort_detail

#endif  // ORT_READER_INTERNAL_H
