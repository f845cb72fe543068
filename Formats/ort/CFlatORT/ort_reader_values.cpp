// Reading side of the ORT C facade, part 2: initializers, node args and
// their (nested) types, node edges, runtime optimizations and the kernel
// type string resolver.
#include "ort_reader_internal.h"

using namespace ort_detail;

static_assert(sizeof(ort_edge_end) == sizeof(fbs::EdgeEnd), "ort_edge_end must match the EdgeEnd struct");
static_assert(offsetof(ort_edge_end, src_arg_index) == 4 && offsetof(ort_edge_end, dst_arg_index) == 8,
              "ort_edge_end must match the EdgeEnd struct");

namespace {

// The TypeInfo one level further down a sequence/map chain, or NULL.
const fbs::TypeInfo *next_level(const fbs::TypeInfo *t) {
  switch (t->value_type()) {
    case fbs::TypeInfoValue_sequence_type: {
      auto s = t->value_as_sequence_type();
      return s ? s->elem_type() : nullptr;
    }
    case fbs::TypeInfoValue_map_type: {
      auto m = t->value_as_map_type();
      return m ? m->value_type() : nullptr;
    }
    default: return nullptr;
  }
}

size_t type_depth(const fbs::TypeInfo *t) {
  size_t depth = 0;
  for (; t; t = next_level(t)) depth++;  // finite: the verifier bounds the nesting depth
  return depth;
}

const fbs::ValueInfo *get_node_arg(const ort_model *m, int32_t graph, size_t index, char *err, size_t errlen) {
  auto g = get_graph(m, graph, err, errlen);
  return g ? graph_elem(g->node_args(), graph, index, "node arg", err, errlen) : nullptr;
}

// Type level `level` of node arg `index`.
const fbs::TypeInfo *get_type_level(const ort_model *m, int32_t graph, size_t index, size_t level, char *err,
                                    size_t errlen) {
  auto vi = get_node_arg(m, graph, index, err, errlen);
  if (!vi) return nullptr;
  const fbs::TypeInfo *t = vi->type();
  for (size_t i = 0; t && i < level; i++) t = next_level(t);
  if (!t) {
    set_error(err, errlen, "graph %d, node arg %zu: type level %zu out of range (type depth %zu)", graph, index, level,
              type_depth(vi->type()));
    return nullptr;
  }
  if (t->value_type() > fbs::TypeInfoValue_MAX) {
    set_error(err, errlen, "graph %d, node arg %zu, type level %zu: unknown TypeInfoValue type %d", graph, index,
              level, static_cast<int>(t->value_type()));
    return nullptr;
  }
  return t;
}

bool check_node_index(uint32_t value, uint32_t max_index, const char *what, char *err, size_t errlen) {
  if (value < max_index) return true;
  set_error(err, errlen, "%s: node index %u out of range (max_node_index %u)", what, value, max_index);
  return false;
}

const fbs::RuntimeOptimizationRecordContainerEntry *get_runtime_optimization(const ort_model *m, int32_t graph,
                                                                             size_t index, char *err, size_t errlen) {
  auto g = get_graph(m, graph, err, errlen);
  if (!g) return nullptr;
  auto ro = g->runtime_optimizations();
  return graph_elem(ro ? ro->records() : nullptr, graph, index, "runtime optimization", err, errlen);
}

const fbs::OpIdKernelTypeStrArgsEntry *get_resolver_op(const ort_model *m, size_t op, char *err, size_t errlen) {
  if (!check_model(m, err, errlen)) return nullptr;
  auto r = m->session->kernel_type_str_resolver();
  auto ops = r ? r->op_kernel_type_str_args() : nullptr;
  if (op >= vsize(ops)) {
    set_error(err, errlen, "kernel type string resolver: op index %zu out of range (%zu ops)", op, vsize(ops));
    return nullptr;
  }
  return ops->Get(static_cast<flatbuffers::uoffset_t>(op));
}

}  // namespace

extern "C" {

int ort_graph_initializer(const ort_model *model, int32_t graph, size_t index, ort_tensor *out, char *err,
                          size_t errlen) {
  auto g = get_graph(model, graph, err, errlen);
  auto t = g ? graph_elem(g->initializers(), graph, index, "initializer", err, errlen) : nullptr;
  if (!t || !out) return ORT_FB_ERROR;
  tensor_view(t, out);
  return ORT_FB_OK;
}

int ort_graph_sparse_initializer(const ort_model *model, int32_t graph, size_t index, ort_sparse_tensor *out,
                                 char *err, size_t errlen) {
  auto g = get_graph(model, graph, err, errlen);
  auto s = g ? graph_elem(g->sparse_initializers(), graph, index, "sparse initializer", err, errlen) : nullptr;
  if (!s || !out) return ORT_FB_ERROR;
  std::memset(out, 0, sizeof(*out));
  out->has_values = s->values() != nullptr;
  if (s->values()) tensor_view(s->values(), &out->values);
  out->has_indices = s->indices() != nullptr;
  if (s->indices()) tensor_view(s->indices(), &out->indices);
  out->dims = vdata(s->dims());
  out->dim_count = vsize(s->dims());
  return ORT_FB_OK;
}

int ort_graph_node_arg(const ort_model *model, int32_t graph, size_t index, ort_value_info *out, char *err,
                       size_t errlen) {
  auto vi = get_node_arg(model, graph, index, err, errlen);
  if (!vi || !out) return ORT_FB_ERROR;
  std::memset(out, 0, sizeof(*out));
  out->name = cstr(vi->name());
  out->doc_string = cstr(vi->doc_string());
  out->type_depth = type_depth(vi->type());
  return ORT_FB_OK;
}

int ort_node_arg_type(const ort_model *model, int32_t graph, size_t index, size_t level, ort_type_level *out,
                      char *err, size_t errlen) {
  auto t = get_type_level(model, graph, index, level, err, errlen);
  if (!t || !out) return ORT_FB_ERROR;
  std::memset(out, 0, sizeof(*out));
  out->denotation = cstr(t->denotation());
  out->value_type = static_cast<int32_t>(t->value_type());
  out->has_value = t->value() != nullptr;
  if (auto tt = t->value_as_tensor_type()) {
    out->elem_type = static_cast<int32_t>(tt->elem_type());
    if (auto shape = tt->shape()) {
      out->has_shape = 1;
      out->has_dims = shape->dim() != nullptr;
      out->dim_count = vsize(shape->dim());
    }
  } else if (auto mt = t->value_as_map_type()) {
    out->elem_type = static_cast<int32_t>(mt->key_type());
  }
  return ORT_FB_OK;
}

int ort_node_arg_dim(const ort_model *model, int32_t graph, size_t index, size_t dim, ort_dimension *out, char *err,
                     size_t errlen) {
  auto vi = get_node_arg(model, graph, index, err, errlen);
  if (!vi || !out) return ORT_FB_ERROR;
  const size_t depth = type_depth(vi->type());
  auto t = depth ? get_type_level(model, graph, index, depth - 1, err, errlen) : nullptr;
  auto tt = t ? t->value_as_tensor_type() : nullptr;
  auto dims = (tt && tt->shape()) ? tt->shape()->dim() : nullptr;
  if (dim >= vsize(dims)) {
    set_error(err, errlen, "graph %d, node arg %zu: dimension index %zu out of range (%zu dimensions%s)", graph, index,
              dim, vsize(dims), tt ? "" : ", the type is not a tensor");
    return ORT_FB_ERROR;
  }
  auto d = dims->Get(static_cast<flatbuffers::uoffset_t>(dim));
  std::memset(out, 0, sizeof(*out));
  out->denotation = cstr(d->denotation());
  if (auto v = d->value()) {
    out->has_value = 1;
    out->dim_type = static_cast<int32_t>(v->dim_type());
    out->dim_value = v->dim_value();
    out->dim_param = cstr(v->dim_param());
  }
  return ORT_FB_OK;
}

int ort_graph_node_edge(const ort_model *model, int32_t graph, size_t index, ort_node_edge *out, char *err,
                        size_t errlen) {
  auto g = get_graph(model, graph, err, errlen);
  auto e = g ? graph_elem(g->node_edges(), graph, index, "node edge", err, errlen) : nullptr;
  if (!e || !out) return ORT_FB_ERROR;
  const uint32_t max_index = g->max_node_index();
  std::memset(out, 0, sizeof(*out));
  out->node_index = e->node_index();
  if (auto in = e->input_edges()) {
    out->input_edges = reinterpret_cast<const ort_edge_end *>(in->Data());
    out->input_edge_count = in->size();
  }
  if (auto o = e->output_edges()) {
    out->output_edges = reinterpret_cast<const ort_edge_end *>(o->Data());
    out->output_edge_count = o->size();
  }
  char what[96];
  std::snprintf(what, sizeof(what), "graph %d, node edge %zu", graph, index);
  if (!check_node_index(out->node_index, max_index, what, err, errlen)) return ORT_FB_ERROR;
  for (int k = 0; k < 2; k++) {
    const ort_edge_end *ends = k ? out->output_edges : out->input_edges;
    const size_t n = k ? out->output_edge_count : out->input_edge_count;
    for (size_t i = 0; i < n; i++) {
      std::snprintf(what, sizeof(what), "graph %d, node edge %zu, %s edge %zu", graph, index, k ? "output" : "input", i);
      if (!check_node_index(ends[i].node_index, max_index, what, err, errlen)) return ORT_FB_ERROR;
    }
  }
  return ORT_FB_OK;
}

int ort_graph_runtime_optimization(const ort_model *model, int32_t graph, size_t index,
                                   ort_runtime_optimization *out, char *err, size_t errlen) {
  auto e = get_runtime_optimization(model, graph, index, err, errlen);
  if (!e || !out) return ORT_FB_ERROR;
  std::memset(out, 0, sizeof(*out));
  out->optimizer_name = cstr(e->optimizer_name());
  out->has_records = e->runtime_optimization_records() != nullptr;
  out->record_count = vsize(e->runtime_optimization_records());
  return ORT_FB_OK;
}

int ort_graph_runtime_optimization_record(const ort_model *model, int32_t graph, size_t index, size_t record,
                                          ort_runtime_optimization_record *out, char *err, size_t errlen) {
  auto e = get_runtime_optimization(model, graph, index, err, errlen);
  if (!e || !out) return ORT_FB_ERROR;
  auto records = e->runtime_optimization_records();
  if (record >= vsize(records)) {
    set_error(err, errlen, "graph %d, runtime optimization %zu: record index %zu out of range (%zu records)", graph,
              index, record, vsize(records));
    return ORT_FB_ERROR;
  }
  auto r = records->Get(static_cast<flatbuffers::uoffset_t>(record));
  std::memset(out, 0, sizeof(*out));
  out->action_id = cstr(r->action_id());
  out->produced_op_ids = strings_view(r->produced_op_ids());
  if (auto n = r->nodes_to_optimize_indices()) {
    out->has_nodes_to_optimize = 1;
    out->node_indices = vdata(n->node_indices());
    out->node_index_count = vsize(n->node_indices());
    out->num_inputs = n->num_inputs();
    out->num_outputs = n->num_outputs();
    out->has_variadic_input = n->has_variadic_input();
    out->has_variadic_output = n->has_variadic_output();
    out->num_variadic_inputs = n->num_variadic_inputs();
    out->num_variadic_outputs = n->num_variadic_outputs();
  }
  return ORT_FB_OK;
}

int ort_model_kernel_type_str_op(const ort_model *model, size_t op, ort_kernel_type_str_op *out, char *err,
                                 size_t errlen) {
  auto e = get_resolver_op(model, op, err, errlen);
  if (!e || !out) return ORT_FB_ERROR;
  std::memset(out, 0, sizeof(*out));
  out->op_id = cstr(e->op_id());
  out->has_entries = e->kernel_type_str_args() != nullptr;
  out->entry_count = vsize(e->kernel_type_str_args());
  return ORT_FB_OK;
}

int ort_model_kernel_type_str_args(const ort_model *model, size_t op, size_t entry, ort_kernel_type_str_args *out,
                                   ort_arg_type_and_index *args, size_t capacity, char *err, size_t errlen) {
  auto e = get_resolver_op(model, op, err, errlen);
  if (!e || !out) return ORT_FB_ERROR;
  auto entries = e->kernel_type_str_args();
  if (entry >= vsize(entries)) {
    set_error(err, errlen, "kernel type string resolver, op %zu: entry index %zu out of range (%zu entries)", op,
              entry, vsize(entries));
    return ORT_FB_ERROR;
  }
  auto k = entries->Get(static_cast<flatbuffers::uoffset_t>(entry));
  std::memset(out, 0, sizeof(*out));
  out->kernel_type_str = cstr(k->kernel_type_str());
  out->has_args = k->args() != nullptr;
  out->arg_count = vsize(k->args());
  if (!args) return ORT_FB_OK;
  if (capacity < out->arg_count) {
    set_error(err, errlen, "kernel type string resolver, op %zu, entry %zu: %zu args, capacity is %zu", op, entry,
              out->arg_count, capacity);
    return ORT_FB_ERROR;
  }
  for (size_t i = 0; i < out->arg_count; i++) {
    auto a = k->args()->Get(static_cast<flatbuffers::uoffset_t>(i));
    args[i].arg_type = static_cast<int32_t>(a->arg_type());
    args[i].index = a->index();
  }
  return ORT_FB_OK;
}

}  // extern "C"
