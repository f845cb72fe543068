// Reading side of the ORT C facade, part 1: model handle (with the graph id
// enumeration), model info, opset imports, metadata, graphs, nodes and
// attributes. Every accessor assumes a verified buffer (ort_model_open runs
// ort_verify) and bounds-checks every index it follows.
#include <algorithm>
#include <numeric>

#include "ort_reader_internal.h"

using namespace ort_detail;

namespace {

// Assigns graph ids breadth-first: the children of a graph get consecutive
// ids in (node, attribute, Attribute.g then Attribute.graphs) order.
bool enumerate_graphs(ort_model *m, char *err, size_t errlen) {
  if (!m->model || !m->model->graph()) return true;
  m->graphs.push_back(GraphRec{m->model->graph(), -1, -1, -1, -1, 0, 0});
  for (size_t gi = 0; gi < m->graphs.size(); gi++) {
    const fbs::Graph *g = m->graphs[gi].graph;
    const size_t begin = m->graphs.size();
    auto nodes = g->nodes();
    for (flatbuffers::uoffset_t n = 0; n < vsize(nodes); n++) {
      auto attrs = nodes->Get(n)->attributes();
      for (flatbuffers::uoffset_t a = 0; a < vsize(attrs); a++) {
        auto attr = attrs->Get(a);
        const int32_t parent = static_cast<int32_t>(gi), node = static_cast<int32_t>(n), ai = static_cast<int32_t>(a);
        if (attr->g()) m->graphs.push_back(GraphRec{attr->g(), parent, node, ai, -1, 0, 0});
        auto sub = attr->graphs();
        for (flatbuffers::uoffset_t k = 0; k < vsize(sub); k++)
          m->graphs.push_back(GraphRec{sub->Get(k), parent, node, ai, static_cast<int32_t>(k), 0, 0});
        if (m->graphs.size() > kMaxGraphs) {
          set_error(err, errlen, "graph %zu, node %u, attribute %u: more than %zu graphs in the model", gi, n, a,
                    kMaxGraphs);
          return false;
        }
      }
    }
    m->graphs[gi].child_begin = static_cast<uint32_t>(begin);
    m->graphs[gi].child_end = static_cast<uint32_t>(m->graphs.size());
  }
  m->ids.resize(m->graphs.size());
  std::iota(m->ids.begin(), m->ids.end(), 0);
  return true;
}

// Id of the first graph nested in attribute (node, attr) of graph rec r, or
// child_end if it has none.
size_t first_child(const ort_model *m, const GraphRec &r, int32_t node, int32_t attr) {
  auto begin = m->graphs.begin() + r.child_begin, end = m->graphs.begin() + r.child_end;
  auto it = std::lower_bound(begin, end, std::make_pair(node, attr), [](const GraphRec &c, std::pair<int32_t, int32_t> k) {
    return std::make_pair(c.parent_node, c.parent_attr) < k;
  });
  return static_cast<size_t>(it - m->graphs.begin());
}

}  // namespace

extern "C" {

ort_model *ort_model_open(const uint8_t *data, size_t len, char *err, size_t errlen) {
  if (verify_model(data, len, err, errlen) != ORT_FB_OK) return nullptr;
  if (reinterpret_cast<uintptr_t>(data) % ORT_FB_DATA_ALIGNMENT != 0) {
    set_error(err, errlen, "model bytes must be %d-byte aligned", ORT_FB_DATA_ALIGNMENT);
    return nullptr;
  }
  ort_model *m = new (std::nothrow) ort_model;
  if (!m) {
    set_error(err, errlen, "out of memory");
    return nullptr;
  }
  m->data = data;
  m->len = len;
  m->session = fbs::GetInferenceSession(data);
  m->model = m->session->model();
  bool ok = false;
  try {
    ok = enumerate_graphs(m, err, errlen);
  } catch (...) {
    set_error(err, errlen, "out of memory while enumerating the graphs");
  }
  if (!ok) {
    delete m;
    return nullptr;
  }
  return m;
}

void ort_model_close(ort_model *model) { delete model; }

int ort_model_get_info(const ort_model *model, ort_model_info *out, char *err, size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return ORT_FB_ERROR;
  std::memset(out, 0, sizeof(*out));
  out->ort_version = cstr(model->session->ort_version());
  if (const fbs::Model *m = model->model) {
    out->has_model = 1;
    out->ir_version = m->ir_version();
    out->producer_name = cstr(m->producer_name());
    out->producer_version = cstr(m->producer_version());
    out->domain = cstr(m->domain());
    out->model_version = m->model_version();
    out->doc_string = cstr(m->doc_string());
    out->graph_doc_string = cstr(m->graph_doc_string());
    out->has_opset_import = m->opset_import() != nullptr;
    out->opset_import_count = vsize(m->opset_import());
    out->has_metadata_props = m->metadata_props() != nullptr;
    out->metadata_prop_count = vsize(m->metadata_props());
  }
  out->graph_count = model->graphs.size();
  if (auto r = model->session->kernel_type_str_resolver()) {
    out->has_kernel_type_str_resolver = 1;
    out->has_kernel_type_str_ops = r->op_kernel_type_str_args() != nullptr;
    out->kernel_type_str_op_count = vsize(r->op_kernel_type_str_args());
  }
  return ORT_FB_OK;
}

int ort_model_opset_import(const ort_model *model, size_t index, ort_opset_id *out, char *err, size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return ORT_FB_ERROR;
  auto v = model->model ? model->model->opset_import() : nullptr;
  if (index >= vsize(v)) {
    set_error(err, errlen, "opset import index %zu out of range (%zu)", index, vsize(v));
    return ORT_FB_ERROR;
  }
  auto o = v->Get(static_cast<flatbuffers::uoffset_t>(index));
  out->domain = cstr(o->domain());
  out->version = o->version();
  return ORT_FB_OK;
}

int ort_model_metadata_prop(const ort_model *model, size_t index, ort_string_pair *out, char *err, size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return ORT_FB_ERROR;
  auto v = model->model ? model->model->metadata_props() : nullptr;
  if (index >= vsize(v)) {
    set_error(err, errlen, "metadata prop index %zu out of range (%zu)", index, vsize(v));
    return ORT_FB_ERROR;
  }
  auto e = v->Get(static_cast<flatbuffers::uoffset_t>(index));
  out->key = cstr(e->key());
  out->value = cstr(e->value());
  return ORT_FB_OK;
}

int ort_model_graph(const ort_model *model, int32_t graph, ort_graph *out, char *err, size_t errlen) {
  const GraphRec *r = graph_rec(model, graph, err, errlen);
  if (!r || !out) return ORT_FB_ERROR;
  const fbs::Graph *g = r->graph;
  std::memset(out, 0, sizeof(*out));
  out->parent_graph = r->parent;
  out->parent_node = r->parent_node;
  out->parent_attribute = r->parent_attr;
  out->parent_graph_index = r->parent < 0 ? -1 : r->parent_index;
  out->initializer_count = vsize(g->initializers());
  out->node_arg_count = vsize(g->node_args());
  out->node_count = vsize(g->nodes());
  out->node_edge_count = vsize(g->node_edges());
  out->sparse_initializer_count = vsize(g->sparse_initializers());
  out->has_initializers = g->initializers() != nullptr;
  out->has_node_args = g->node_args() != nullptr;
  out->has_nodes = g->nodes() != nullptr;
  out->has_node_edges = g->node_edges() != nullptr;
  out->has_sparse_initializers = g->sparse_initializers() != nullptr;
  if (auto ro = g->runtime_optimizations()) {
    out->has_runtime_optimizations = 1;
    out->has_runtime_optimization_records = ro->records() != nullptr;
    out->runtime_optimization_count = vsize(ro->records());
  }
  out->max_node_index = g->max_node_index();
  out->inputs = strings_view(g->inputs());
  out->outputs = strings_view(g->outputs());
  return ORT_FB_OK;
}

int ort_graph_node(const ort_model *model, int32_t graph, size_t index, ort_node *out, char *err, size_t errlen) {
  auto n = get_node(model, graph, index, err, errlen);
  if (!n || !out) return ORT_FB_ERROR;
  const uint32_t max_index = get_graph(model, graph, nullptr, 0)->max_node_index();
  std::memset(out, 0, sizeof(*out));
  out->name = cstr(n->name());
  out->doc_string = cstr(n->doc_string());
  out->domain = cstr(n->domain());
  out->since_version = n->since_version();
  out->index = n->index();
  out->op_type = cstr(n->op_type());
  out->type = static_cast<int32_t>(n->type());
  out->execution_provider_type = cstr(n->execution_provider_type());
  out->inputs = strings_view(n->inputs());
  out->outputs = strings_view(n->outputs());
  out->implicit_inputs = strings_view(n->implicit_inputs());
  out->input_arg_counts = vdata(n->input_arg_counts());
  out->input_arg_count_count = vsize(n->input_arg_counts());
  out->has_attributes = n->attributes() != nullptr;
  out->attribute_count = vsize(n->attributes());
  if (out->index >= max_index) {
    set_error(err, errlen, "graph %d, node %zu: node index %u out of range (max_node_index %u)", graph, index,
              out->index, max_index);
    return ORT_FB_ERROR;
  }
  return ORT_FB_OK;
}

int ort_node_attribute(const ort_model *model, int32_t graph, size_t node, size_t attribute, ort_attribute *out,
                       char *err, size_t errlen) {
  auto a = get_attribute(model, graph, node, attribute, err, errlen);
  if (!a || !out) return ORT_FB_ERROR;
  std::memset(out, 0, sizeof(*out));
  out->name = cstr(a->name());
  out->doc_string = cstr(a->doc_string());
  out->type = static_cast<int32_t>(a->type());
  out->f = a->f();
  out->i = a->i();
  out->s = cstr(a->s());
  out->s_len = a->s() ? a->s()->size() : 0;
  out->has_t = a->t() != nullptr;
  out->floats = vdata(a->floats());
  out->float_count = vsize(a->floats());
  out->ints = vdata(a->ints());
  out->int_count = vsize(a->ints());
  out->strings = strings_view(a->strings());
  out->has_tensors = a->tensors() != nullptr;
  out->tensor_count = vsize(a->tensors());
  out->g = -1;
  if (!a->g() && !a->graphs()) return ORT_FB_OK;
  // Nested graphs were enumerated at open: (node, attribute) -> ids.
  const GraphRec &r = model->graphs[static_cast<size_t>(graph)];
  const int32_t ni = static_cast<int32_t>(node), ai = static_cast<int32_t>(attribute);
  size_t pos = first_child(model, r, ni, ai);
  auto matches = [&](size_t p, int32_t index) {
    return p < r.child_end && model->graphs[p].parent_node == ni && model->graphs[p].parent_attr == ai &&
           model->graphs[p].parent_index == index;
  };
  if (a->g()) {
    if (!matches(pos, -1)) {
      set_error(err, errlen, "graph %d, node %zu, attribute %zu: internal error: subgraph g has no id", graph, node,
                attribute);
      return ORT_FB_ERROR;
    }
    out->g = static_cast<int32_t>(pos++);
  }
  if (a->graphs()) {
    const size_t count = vsize(a->graphs());
    if (count > 0 && !(matches(pos, 0) && matches(pos + count - 1, static_cast<int32_t>(count - 1)))) {
      set_error(err, errlen, "graph %d, node %zu, attribute %zu: internal error: subgraphs have no ids", graph, node,
                attribute);
      return ORT_FB_ERROR;
    }
    out->graphs = model->ids.data() + pos;
    out->graph_count = count;
  }
  return ORT_FB_OK;
}

int ort_attribute_tensor(const ort_model *model, int32_t graph, size_t node, size_t attribute, int64_t index,
                         ort_tensor *out, char *err, size_t errlen) {
  auto a = get_attribute(model, graph, node, attribute, err, errlen);
  if (!a || !out) return ORT_FB_ERROR;
  const fbs::Tensor *t = nullptr;
  if (index == -1) {
    t = a->t();
    if (!t) {
      set_error(err, errlen, "graph %d, node %zu, attribute %zu: attribute has no tensor t", graph, node, attribute);
      return ORT_FB_ERROR;
    }
  } else if (index >= 0 && static_cast<uint64_t>(index) < vsize(a->tensors())) {
    t = a->tensors()->Get(static_cast<flatbuffers::uoffset_t>(index));
  } else {
    set_error(err, errlen, "graph %d, node %zu, attribute %zu: tensor index %lld out of range (%zu tensors)", graph,
              node, attribute, static_cast<long long>(index), vsize(a->tensors()));
    return ORT_FB_ERROR;
  }
  tensor_view(t, out);
  return ORT_FB_OK;
}

}  // extern "C"
