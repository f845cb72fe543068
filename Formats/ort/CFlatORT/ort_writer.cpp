// Writing side of the ORT C facade, part 1: the builder handle and the
// functions recording model info, graphs, tensors, node args, nodes,
// attributes, edges, runtime optimizations and the kernel type string
// resolver. Serialization: ort_serialize.cpp.
#include "ort_builder.h"

using namespace ort_detail;

namespace ort_detail {

bool strings_in(OptStrings *dst, const ort_strings &src, const char *what, char *err, size_t errlen) {
  dst->v.clear();
  if (src.items) {
    dst->present = true;
    for (size_t i = 0; i < src.count; i++) {
      const char *s = src.items[i];
      const size_t n = src.lengths ? src.lengths[i] : (s ? std::strlen(s) : 0);
      if (!s && n > 0) return set_error(err, errlen, "%s item %zu is NULL", what, i), false;
      dst->v.emplace_back(s ? s : "", n);
    }
    return true;
  }
  if (src.vector) {
    auto v = static_cast<const StringVector *>(src.vector);
    dst->present = true;
    for (flatbuffers::uoffset_t i = 0; i < v->size(); i++) dst->v.emplace_back(v->Get(i)->c_str(), v->Get(i)->size());
    return true;
  }
  if (src.count > 0) return set_error(err, errlen, "%s has count %zu but no items", what, src.count), false;
  dst->present = src.present != 0;
  return true;
}

}  // namespace ort_detail

namespace {

GraphRecB *graph_at(ort_builder *b, int32_t graph, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return nullptr;
  if (graph < 0 || static_cast<size_t>(graph) >= b->graphs.size()) {
    set_error(err, errlen, "graph id %d out of range (%zu graphs)", graph, b->graphs.size());
    return nullptr;
  }
  return &b->graphs[static_cast<size_t>(graph)];
}

NodeRec *node_at(ort_builder *b, int32_t graph, int32_t node, char *err, size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return nullptr;
  if (node < 0 || static_cast<size_t>(node) >= g->nodes.size()) {
    set_error(err, errlen, "graph %d: node %d out of range (%zu nodes)", graph, node, g->nodes.size());
    return nullptr;
  }
  return &g->nodes[static_cast<size_t>(node)];
}

AttrRec *attr_at(ort_builder *b, int32_t graph, int32_t node, int32_t attr, char *err, size_t errlen) {
  NodeRec *n = node_at(b, graph, node, err, errlen);
  if (!n) return nullptr;
  if (attr < 0 || static_cast<size_t>(attr) >= n->attributes.size()) {
    set_error(err, errlen, "graph %d, node %d: attribute index %d out of range (%zu attributes)", graph, node, attr,
              n->attributes.size());
    return nullptr;
  }
  return &n->attributes[static_cast<size_t>(attr)];
}

// Copies a tensor; raw data goes straight into the flatbuffer (16-byte aligned).
bool tensor_in(ort_builder *b, const ort_tensor &t, TensorRec *r, char *err, size_t errlen) {
  r->name = str_in(t.name);
  r->doc_string = str_in(t.doc_string);
  r->data_type = t.data_type;
  r->external_data_offset = t.external_data_offset;
  if (!copy_in(&r->dims, t.dims, t.dim_count, "dims", err, errlen) ||
      !strings_in(&r->string_data, t.string_data, "string_data", err, errlen))
    return false;
  if (!t.raw_data && t.raw_data_size > 0)
    return set_error(err, errlen, "raw_data is NULL but its size is %zu", t.raw_data_size), false;
  if (t.raw_data) {
    if (!b->room(t.raw_data_size + kRawDataAlignment, err, errlen)) return false;
    b->fbb.ForceVectorAlignment(t.raw_data_size, 1, kRawDataAlignment);
    r->raw = b->fbb.CreateVector(t.raw_data, t.raw_data_size);
    r->has_raw = true;
  }
  return true;
}

bool int8_value(int32_t v, int8_t *out, const char *what, char *err, size_t errlen) {
  if (v < -128 || v > 127) return set_error(err, errlen, "%s %d out of range", what, v), false;
  *out = static_cast<int8_t>(v);
  return true;
}

template <typename T> int32_t push(std::vector<T> &v, T &&r) {
  v.push_back(std::move(r));
  return static_cast<int32_t>(v.size() - 1);
}

}  // namespace

extern "C" {

ort_builder *ort_builder_create(char *err, size_t errlen) {
  ort_builder *b = nullptr;
  try {
    b = new ort_builder;
  } catch (...) {
    set_error(err, errlen, "out of memory");
  }
  return b;
}

void ort_builder_free(ort_builder *b) { delete b; }

int ort_builder_reserve(ort_builder *b, uint64_t bytes, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return ORT_FB_ERROR;
  if (b->fbb.GetSize() != 0) return set_error(err, errlen, "reserve must come before anything is added"), ORT_FB_ERROR;
  if (bytes >= FLATBUFFERS_MAX_BUFFER_SIZE) return ORT_FB_OK;  // the size limit is reported when data is added
  ORT_TRY
  b->fbb = flatbuffers::FlatBufferBuilder(static_cast<size_t>(bytes < (1 << 16) ? (1 << 16) : bytes));
  return ORT_FB_OK;
  ORT_CATCH(ORT_FB_ERROR)
}

int ort_builder_set_model_info(ort_builder *b, const ort_model_info *info, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return ORT_FB_ERROR;
  if (!info) return set_error(err, errlen, "model info is NULL"), ORT_FB_ERROR;
  ORT_TRY
  b->ort_version = str_in(info->ort_version);
  b->ir_version = info->ir_version;
  b->producer_name = str_in(info->producer_name);
  b->producer_version = str_in(info->producer_version);
  b->domain = str_in(info->domain);
  b->model_version = info->model_version;
  b->doc_string = str_in(info->doc_string);
  b->graph_doc_string = str_in(info->graph_doc_string);
  b->has_opset_import = info->has_opset_import != 0;
  b->has_metadata_props = info->has_metadata_props != 0;
  b->has_resolver = info->has_kernel_type_str_resolver != 0;
  b->has_resolver_ops = info->has_kernel_type_str_ops != 0;
  return ORT_FB_OK;
  ORT_CATCH(ORT_FB_ERROR)
}

int32_t ort_builder_add_opset_import(ort_builder *b, const ort_opset_id *opset, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (!opset) return set_error(err, errlen, "opset import is NULL"), -1;
  ORT_TRY
  b->opsets.emplace_back(str_in(opset->domain), opset->version);
  return static_cast<int32_t>(b->opsets.size() - 1);
  ORT_CATCH(-1)
}

int32_t ort_builder_add_metadata_prop(ort_builder *b, const ort_string_pair *prop, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (!prop) return set_error(err, errlen, "metadata prop is NULL"), -1;
  ORT_TRY
  b->metadata.emplace_back(str_in(prop->key), str_in(prop->value));
  return static_cast<int32_t>(b->metadata.size() - 1);
  ORT_CATCH(-1)
}

int32_t ort_builder_add_graph(ort_builder *b, const ort_graph *graph, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (!graph) return set_error(err, errlen, "graph is NULL"), -1;
  ORT_TRY
  if (b->graphs.size() >= kMaxGraphs) return set_error(err, errlen, "more than %zu graphs", kMaxGraphs), -1;
  b->graphs.emplace_back();
  const int32_t id = static_cast<int32_t>(b->graphs.size() - 1);
  if (ort_builder_set_graph(b, id, graph, err, errlen) != ORT_FB_OK) {
    b->graphs.pop_back();
    return -1;
  }
  return id;
  ORT_CATCH(-1)
}

int ort_builder_set_graph(ort_builder *b, int32_t graph, const ort_graph *info, char *err, size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return ORT_FB_ERROR;
  if (!info) return set_error(err, errlen, "graph is NULL"), ORT_FB_ERROR;
  ORT_TRY
  OptStrings in, out;
  if (!strings_in(&in, info->inputs, "inputs", err, errlen) || !strings_in(&out, info->outputs, "outputs", err, errlen))
    return prefix_error(err, errlen, "graph %d", graph), ORT_FB_ERROR;
  g->inputs = std::move(in);
  g->outputs = std::move(out);
  g->max_node_index = info->max_node_index;
  g->has_initializers = info->has_initializers != 0;
  g->has_node_args = info->has_node_args != 0;
  g->has_nodes = info->has_nodes != 0;
  g->has_node_edges = info->has_node_edges != 0;
  g->has_sparse_initializers = info->has_sparse_initializers != 0;
  g->has_runtime_optimizations = info->has_runtime_optimizations != 0;
  g->has_runtime_optimization_records = info->has_runtime_optimization_records != 0;
  return ORT_FB_OK;
  ORT_CATCH(ORT_FB_ERROR)
}

int32_t ort_builder_add_initializer(ort_builder *b, int32_t graph, const ort_tensor *tensor, char *err, size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return -1;
  if (!tensor) return set_error(err, errlen, "tensor is NULL"), -1;
  ORT_TRY
  TensorRec r;
  if (!tensor_in(b, *tensor, &r, err, errlen))
    return prefix_error(err, errlen, "graph %d, initializer %zu", graph, g->initializers.size()), -1;
  return push(g->initializers, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_sparse_initializer(ort_builder *b, int32_t graph, const ort_sparse_tensor *tensor, char *err,
                                           size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return -1;
  if (!tensor) return set_error(err, errlen, "sparse tensor is NULL"), -1;
  ORT_TRY
  SparseRec r;
  r.has_values = tensor->has_values != 0;
  r.has_indices = tensor->has_indices != 0;
  bool ok = copy_in(&r.dims, tensor->dims, tensor->dim_count, "dims", err, errlen);
  if (ok && r.has_values) ok = tensor_in(b, tensor->values, &r.values, err, errlen);
  if (ok && r.has_indices) ok = tensor_in(b, tensor->indices, &r.indices, err, errlen);
  if (!ok) return prefix_error(err, errlen, "graph %d, sparse initializer %zu", graph, g->sparse_initializers.size()), -1;
  return push(g->sparse_initializers, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_node_arg(ort_builder *b, int32_t graph, const ort_value_info *value_info,
                                 const ort_type_level *levels, size_t level_count, const ort_dimension *dims,
                                 size_t dim_count, char *err, size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return -1;
  if (!value_info || (level_count && !levels) || (dim_count && !dims))
    return set_error(err, errlen, "value info, levels or dims is NULL"), -1;
  ORT_TRY
  const size_t index = g->node_args.size();
  NodeArgRec r;
  r.name = str_in(value_info->name);
  r.doc_string = str_in(value_info->doc_string);
  for (size_t k = 0; k < level_count; k++) {
    const ort_type_level &l = levels[k];
    const bool last = k + 1 == level_count;
    const char *problem = nullptr;
    if (l.value_type < ORT_FB_TYPE_NONE || l.value_type > ORT_FB_TYPE_MAP) problem = "unknown value type";
    else if (!last && l.value_type != ORT_FB_TYPE_SEQUENCE && l.value_type != ORT_FB_TYPE_MAP)
      problem = "only sequence and map levels can have an inner level";
    else if (!last && !l.has_value) problem = "a level with an inner level needs has_value";
    if (problem) return set_error(err, errlen, "graph %d, node arg %zu, type level %zu: %s (value type %d)", graph, index, k, problem, l.value_type), -1;
    LevelRec lr;
    lr.denotation = str_in(l.denotation);
    lr.value_type = static_cast<uint8_t>(l.value_type);
    lr.has_value = l.has_value != 0 && l.value_type != ORT_FB_TYPE_NONE;
    lr.elem_type = l.elem_type;
    lr.has_shape = l.value_type == ORT_FB_TYPE_TENSOR && l.has_shape;
    lr.has_dims = lr.has_shape && (l.has_dims || dim_count > 0);
    r.levels.push_back(std::move(lr));
  }
  if (dim_count > 0 && (r.levels.empty() || !r.levels.back().has_shape || !r.levels.back().has_value))
    return set_error(err, errlen, "graph %d, node arg %zu: %zu dims given but the last type level is not a tensor with a shape", graph, index, dim_count), -1;
  for (size_t i = 0; i < dim_count; i++) {
    DimRec d;
    d.has_value = dims[i].has_value != 0;
    if (!int8_value(dims[i].dim_type, &d.dim_type, "dim_type", err, errlen))
      return prefix_error(err, errlen, "graph %d, node arg %zu, dim %zu", graph, index, i), -1;
    d.dim_value = dims[i].dim_value;
    d.dim_param = str_in(dims[i].dim_param);
    d.denotation = str_in(dims[i].denotation);
    r.dims.push_back(std::move(d));
  }
  return push(g->node_args, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_node(ort_builder *b, int32_t graph, const ort_node *node, char *err, size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return -1;
  if (!node) return set_error(err, errlen, "node is NULL"), -1;
  ORT_TRY
  NodeRec r;
  r.name = str_in(node->name);
  r.doc_string = str_in(node->doc_string);
  r.domain = str_in(node->domain);
  r.op_type = str_in(node->op_type);
  r.ep_type = str_in(node->execution_provider_type);
  r.since_version = node->since_version;
  r.type = node->type;
  r.index = node->index;
  r.has_attributes = node->has_attributes != 0;
  if (!strings_in(&r.inputs, node->inputs, "inputs", err, errlen) ||
      !strings_in(&r.outputs, node->outputs, "outputs", err, errlen) ||
      !strings_in(&r.implicit_inputs, node->implicit_inputs, "implicit_inputs", err, errlen) ||
      !copy_in(&r.input_arg_counts, node->input_arg_counts, node->input_arg_count_count, "input_arg_counts", err, errlen))
    return prefix_error(err, errlen, "graph %d, node %zu", graph, g->nodes.size()), -1;
  return push(g->nodes, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_attribute(ort_builder *b, int32_t graph, int32_t node, const ort_attribute *a, char *err,
                                  size_t errlen) {
  NodeRec *n = node_at(b, graph, node, err, errlen);
  if (!n) return -1;
  if (!a) return set_error(err, errlen, "attribute is NULL"), -1;
  ORT_TRY
  AttrRec r;
  r.name = str_in(a->name);
  r.doc_string = str_in(a->doc_string);
  r.type = a->type;
  r.f = a->f;
  r.i = a->i;
  if (a->s) r.s.present = true, r.s.s.assign(a->s, a->s_len);
  r.g = a->g;
  r.has_tensors = a->has_tensors != 0;
  bool ok = !(a->s == nullptr && a->s_len > 0) ||
            (set_error(err, errlen, "s is NULL but its length is %zu", a->s_len), false);
  ok = ok && copy_in(&r.floats, a->floats, a->float_count, "floats", err, errlen) &&
       copy_in(&r.ints, a->ints, a->int_count, "ints", err, errlen) &&
       strings_in(&r.strings, a->strings, "strings", err, errlen) &&
       copy_in(&r.graphs, a->graphs, a->graph_count, "graphs", err, errlen);
  if (!ok) return prefix_error(err, errlen, "graph %d, node %d, attribute %zu", graph, node, n->attributes.size()), -1;
  n->has_attributes = true;
  return push(n->attributes, std::move(r));
  ORT_CATCH(-1)
}

int ort_builder_set_attribute_tensor(ort_builder *b, int32_t graph, int32_t node, int32_t attribute,
                                     const ort_tensor *tensor, char *err, size_t errlen) {
  AttrRec *a = attr_at(b, graph, node, attribute, err, errlen);
  if (!a) return ORT_FB_ERROR;
  if (!tensor) return set_error(err, errlen, "tensor is NULL"), ORT_FB_ERROR;
  ORT_TRY
  TensorRec r;
  if (!tensor_in(b, *tensor, &r, err, errlen))
    return prefix_error(err, errlen, "graph %d, node %d, attribute %d, tensor t", graph, node, attribute), ORT_FB_ERROR;
  a->t = std::move(r);
  a->has_t = true;
  return ORT_FB_OK;
  ORT_CATCH(ORT_FB_ERROR)
}

int32_t ort_builder_add_attribute_tensor(ort_builder *b, int32_t graph, int32_t node, int32_t attribute,
                                         const ort_tensor *tensor, char *err, size_t errlen) {
  AttrRec *a = attr_at(b, graph, node, attribute, err, errlen);
  if (!a) return -1;
  if (!tensor) return set_error(err, errlen, "tensor is NULL"), -1;
  ORT_TRY
  TensorRec r;
  if (!tensor_in(b, *tensor, &r, err, errlen))
    return prefix_error(err, errlen, "graph %d, node %d, attribute %d, tensor %zu", graph, node, attribute, a->tensors.size()), -1;
  a->has_tensors = true;
  return push(a->tensors, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_node_edge(ort_builder *b, int32_t graph, const ort_node_edge *edge, char *err, size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return -1;
  if (!edge) return set_error(err, errlen, "node edge is NULL"), -1;
  ORT_TRY
  EdgeRec r;
  r.node_index = edge->node_index;
  static_assert(sizeof(fbs::EdgeEnd) == sizeof(ort_edge_end), "EdgeEnd layout");
  if (!copy_in(&r.input_edges, reinterpret_cast<const fbs::EdgeEnd *>(edge->input_edges), edge->input_edge_count,
               "input_edges", err, errlen) ||
      !copy_in(&r.output_edges, reinterpret_cast<const fbs::EdgeEnd *>(edge->output_edges), edge->output_edge_count,
               "output_edges", err, errlen))
    return prefix_error(err, errlen, "graph %d, node edge %zu", graph, g->edges.size()), -1;
  return push(g->edges, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_runtime_optimization(ort_builder *b, int32_t graph, const ort_runtime_optimization *entry,
                                             char *err, size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return -1;
  if (!entry || !entry->optimizer_name)
    return set_error(err, errlen, "graph %d: runtime optimization entry or its optimizer_name is NULL", graph), -1;
  ORT_TRY
  OptEntryRec r;
  r.optimizer_name = entry->optimizer_name;
  r.has_records = entry->has_records != 0;
  return push(g->runtime_optimizations, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_runtime_optimization_record(ort_builder *b, int32_t graph, int32_t entry,
                                                    const ort_runtime_optimization_record *rec, char *err,
                                                    size_t errlen) {
  GraphRecB *g = graph_at(b, graph, err, errlen);
  if (!g) return -1;
  if (entry < 0 || static_cast<size_t>(entry) >= g->runtime_optimizations.size())
    return set_error(err, errlen, "graph %d: runtime optimization index %d out of range (%zu)", graph, entry, g->runtime_optimizations.size()), -1;
  if (!rec) return set_error(err, errlen, "runtime optimization record is NULL"), -1;
  ORT_TRY
  OptEntryRec &e = g->runtime_optimizations[static_cast<size_t>(entry)];
  OptRecordRec r;
  r.action_id = str_in(rec->action_id);
  r.has_nodes = rec->has_nodes_to_optimize != 0;
  r.num_inputs = rec->num_inputs, r.num_outputs = rec->num_outputs;
  r.has_variadic_input = rec->has_variadic_input != 0, r.has_variadic_output = rec->has_variadic_output != 0;
  r.num_variadic_inputs = rec->num_variadic_inputs, r.num_variadic_outputs = rec->num_variadic_outputs;
  if (!copy_in(&r.node_indices, rec->node_indices, rec->node_index_count, "node_indices", err, errlen) ||
      !strings_in(&r.produced_op_ids, rec->produced_op_ids, "produced_op_ids", err, errlen))
    return prefix_error(err, errlen, "graph %d, runtime optimization %d, record %zu", graph, entry, e.records.size()), -1;
  e.has_records = true;
  return push(e.records, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_kernel_type_str_op(ort_builder *b, const ort_kernel_type_str_op *op, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (!op || !op->op_id) return set_error(err, errlen, "kernel type string op or its op_id is NULL"), -1;
  ORT_TRY
  KtsOpRec r;
  r.op_id = op->op_id;
  r.has_entries = op->has_entries != 0;
  return push(b->kts_ops, std::move(r));
  ORT_CATCH(-1)
}

int32_t ort_builder_add_kernel_type_str_args(ort_builder *b, int32_t op, const ort_kernel_type_str_args *entry,
                                             const ort_arg_type_and_index *args, size_t arg_count, char *err,
                                             size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (op < 0 || static_cast<size_t>(op) >= b->kts_ops.size())
    return set_error(err, errlen, "kernel type string op index %d out of range (%zu ops)", op, b->kts_ops.size()), -1;
  if (!entry || !entry->kernel_type_str || (arg_count && !args))
    return set_error(err, errlen, "kernel type string op %d: entry, its kernel_type_str or args is NULL", op), -1;
  ORT_TRY
  KtsOpRec &o = b->kts_ops[static_cast<size_t>(op)];
  KtsArgsRec r;
  r.kernel_type_str = entry->kernel_type_str;
  r.has_args = entry->has_args != 0 || arg_count > 0;
  for (size_t i = 0; i < arg_count; i++) {
    int8_t t;
    if (!int8_value(args[i].arg_type, &t, "arg_type", err, errlen))
      return prefix_error(err, errlen, "kernel type string op %d, entry %zu, arg %zu", op, o.entries.size(), i), -1;
    r.args.emplace_back(t, args[i].index);
  }
  o.has_entries = true;
  return push(o.entries, std::move(r));
  ORT_CATCH(-1)
}

}  // extern "C"
