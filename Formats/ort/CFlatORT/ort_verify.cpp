// Verification of .ort files for the C facade (ort_verify): size,
// identifier, flatbuffers verifier and, on failure, a second pass naming the
// element.
#include "ort_internal.h"

using namespace ort_detail;

namespace {

const char kIdentifier[] = "ORTM";
constexpr int kMaxLocateDepth = 64;  // graph nesting levels followed by the locator

flatbuffers::Verifier::Options verifier_options() {
  flatbuffers::Verifier::Options opts;
  opts.max_depth = 128;
  opts.max_tables = 1u << 30;
  opts.check_alignment = true;
  return opts;
}

const flatbuffers::Table *as_table(const void *p) { return reinterpret_cast<const flatbuffers::Table *>(p); }

// Second, slower pass run only after the verifier failed: checks the model
// field by field, each with a fresh verifier, and descends into the first
// broken graph, node or attribute to name the malformed element.
class FailureLocator {
 public:
  FailureLocator(const uint8_t *data, size_t len) : data_(data), len_(len) {}

  std::string locate() {
    auto v = fresh();
    if (!v.VerifyOffset(0)) return "the root table offset";
    auto s = flatbuffers::GetRoot<fbs::InferenceSession>(data_);
    if (!start(s)) return "the InferenceSession table (its vtable offset or vtable)";
    if (!str(s, fbs::InferenceSession::VT_ORT_VERSION, [&] { return s->ort_version(); }))
      return "InferenceSession.ort_version";
    if (!offset(s, fbs::InferenceSession::VT_MODEL)) return "InferenceSession.model";
    if (!table_ok(s->model())) return model(s->model());
    if (!offset(s, fbs::InferenceSession::VT_KERNEL_TYPE_STR_RESOLVER))
      return "InferenceSession.kernel_type_str_resolver";
    if (auto r = s->kernel_type_str_resolver()) {
      if (!start(r)) return "the kernel type string resolver table";
      return tables(r, fbs::KernelTypeStrResolver::VT_OP_KERNEL_TYPE_STR_ARGS,
                    [&] { return r->op_kernel_type_str_args(); }, "",
                    "KernelTypeStrResolver.op_kernel_type_str_args", "kernel type string resolver, op ");
    }
    return "";
  }

 private:
  flatbuffers::Verifier fresh() const { return flatbuffers::Verifier(data_, len_, verifier_options()); }

  // Whole subtree (NULL = absent = fine).
  template <typename T> bool table_ok(const T *t) const {
    auto v = fresh();
    return v.VerifyTable(t);
  }
  bool start(const void *t) const {
    auto v = fresh();
    return as_table(t)->VerifyTableStart(v);
  }
  // The offset field itself (position and target inside the buffer).
  bool offset(const void *t, flatbuffers::voffset_t field) const {
    auto v = fresh();
    return as_table(t)->VerifyOffset(v, field);
  }
  template <typename S> bool scalar(const void *t, flatbuffers::voffset_t field) const {
    auto v = fresh();
    return as_table(t)->VerifyField<S>(v, field, sizeof(S));
  }
  template <typename F> bool str(const void *t, flatbuffers::voffset_t field, F get) const {
    auto v = fresh();
    return as_table(t)->VerifyOffset(v, field) && v.VerifyString(get());
  }
  template <typename T> bool vec_ok(const flatbuffers::Vector<T> *vec) const {
    auto v = fresh();
    return v.VerifyVector(vec);
  }
  template <typename F> bool strings(const void *t, flatbuffers::voffset_t field, F get) const {
    auto v = fresh();
    return as_table(t)->VerifyOffset(v, field) && v.VerifyVector(get()) && v.VerifyVectorOfStrings(get());
  }
  // A vector of tables (get is only called once the field offset is known
  // to be sound): the vector, then each element; "" if fine.
  template <typename F>
  std::string tables(const void *t, flatbuffers::voffset_t field, F get, const std::string &where,
                     const char *field_name, const char *elem_name) const {
    if (!offset(t, field) || !vec_ok(get())) return where + field_name;
    auto vec = get();
    for (flatbuffers::uoffset_t i = 0; i < vsize(vec); i++)
      if (!table_ok(vec->Get(i))) return where + elem_name + std::to_string(i);
    return "";
  }

  std::string model(const fbs::Model *m) const {
    using M = fbs::Model;
    if (!start(m)) return "the Model table";
    if (!scalar<int64_t>(m, M::VT_IR_VERSION)) return "Model.ir_version";
    std::string w =
        tables(m, M::VT_OPSET_IMPORT, [&] { return m->opset_import(); }, "", "Model.opset_import", "opset import ");
    if (!w.empty()) return w;
    if (!str(m, M::VT_PRODUCER_NAME, [&] { return m->producer_name(); })) return "Model.producer_name";
    if (!str(m, M::VT_PRODUCER_VERSION, [&] { return m->producer_version(); })) return "Model.producer_version";
    if (!str(m, M::VT_DOMAIN, [&] { return m->domain(); })) return "Model.domain";
    if (!scalar<int64_t>(m, M::VT_MODEL_VERSION)) return "Model.model_version";
    if (!str(m, M::VT_DOC_STRING, [&] { return m->doc_string(); })) return "Model.doc_string";
    if (!offset(m, M::VT_GRAPH)) return "Model.graph";
    if (!table_ok(m->graph())) return graph(m->graph(), "graph 0", 0);
    if (!str(m, M::VT_GRAPH_DOC_STRING, [&] { return m->graph_doc_string(); })) return "Model.graph_doc_string";
    return tables(m, M::VT_METADATA_PROPS, [&] { return m->metadata_props(); }, "", "Model.metadata_props",
                  "metadata prop ");
  }

  std::string graph(const fbs::Graph *g, const std::string &where, int depth) const {
    using G = fbs::Graph;
    if (depth > kMaxLocateDepth) return where + " (graphs nested too deeply)";
    if (!start(g)) return where + " (table)";
    const std::string p = where + ", ";
    std::string w = tables(g, G::VT_INITIALIZERS, [&] { return g->initializers(); }, p, "initializers", "initializer ");
    if (w.empty()) w = tables(g, G::VT_NODE_ARGS, [&] { return g->node_args(); }, p, "node_args", "node arg ");
    if (!w.empty()) return w;
    if (!offset(g, G::VT_NODES) || !vec_ok(g->nodes())) return p + "nodes";
    for (flatbuffers::uoffset_t i = 0; i < vsize(g->nodes()); i++)
      if (!table_ok(g->nodes()->Get(i))) return node(g->nodes()->Get(i), p + "node " + std::to_string(i), depth);
    if (!scalar<uint32_t>(g, G::VT_MAX_NODE_INDEX)) return p + "max_node_index";
    w = tables(g, G::VT_NODE_EDGES, [&] { return g->node_edges(); }, p, "node_edges", "node edge ");
    if (!w.empty()) return w;
    if (!strings(g, G::VT_INPUTS, [&] { return g->inputs(); })) return p + "inputs";
    if (!strings(g, G::VT_OUTPUTS, [&] { return g->outputs(); })) return p + "outputs";
    w = tables(g, G::VT_SPARSE_INITIALIZERS, [&] { return g->sparse_initializers(); }, p, "sparse_initializers",
               "sparse initializer ");
    if (!w.empty()) return w;
    if (!offset(g, G::VT_RUNTIME_OPTIMIZATIONS) || !table_ok(g->runtime_optimizations()))
      return p + "runtime_optimizations";
    return "";
  }

  std::string node(const fbs::Node *n, const std::string &where, int depth) const {
    using N = fbs::Node;
    if (!start(n)) return where + " (table)";
    const std::string p = where + ", ";
    if (!str(n, N::VT_NAME, [&] { return n->name(); })) return p + "name";
    if (!str(n, N::VT_DOC_STRING, [&] { return n->doc_string(); })) return p + "doc_string";
    if (!str(n, N::VT_DOMAIN, [&] { return n->domain(); })) return p + "domain";
    if (!scalar<int32_t>(n, N::VT_SINCE_VERSION)) return p + "since_version";
    if (!scalar<uint32_t>(n, N::VT_INDEX)) return p + "index";
    if (!str(n, N::VT_OP_TYPE, [&] { return n->op_type(); })) return p + "op_type";
    if (!scalar<int32_t>(n, N::VT_TYPE)) return p + "type";
    if (!str(n, N::VT_EXECUTION_PROVIDER_TYPE, [&] { return n->execution_provider_type(); }))
      return p + "execution_provider_type";
    if (!strings(n, N::VT_INPUTS, [&] { return n->inputs(); })) return p + "inputs";
    if (!strings(n, N::VT_OUTPUTS, [&] { return n->outputs(); })) return p + "outputs";
    if (!offset(n, N::VT_ATTRIBUTES) || !vec_ok(n->attributes())) return p + "attributes";
    for (flatbuffers::uoffset_t i = 0; i < vsize(n->attributes()); i++)
      if (!table_ok(n->attributes()->Get(i)))
        return attribute(n->attributes()->Get(i), p + "attribute " + std::to_string(i), depth);
    if (!offset(n, N::VT_INPUT_ARG_COUNTS) || !vec_ok(n->input_arg_counts())) return p + "input_arg_counts";
    if (!strings(n, N::VT_IMPLICIT_INPUTS, [&] { return n->implicit_inputs(); })) return p + "implicit_inputs";
    return "";
  }

  std::string attribute(const fbs::Attribute *a, const std::string &where, int depth) const {
    using A = fbs::Attribute;
    if (!start(a)) return where + " (table)";
    const std::string p = where + ", ";
    if (!str(a, A::VT_NAME, [&] { return a->name(); })) return p + "name";
    if (!str(a, A::VT_DOC_STRING, [&] { return a->doc_string(); })) return p + "doc_string";
    if (!scalar<int32_t>(a, A::VT_TYPE) || !scalar<float>(a, A::VT_F) || !scalar<int64_t>(a, A::VT_I))
      return p + "type, f or i";
    if (!str(a, A::VT_S, [&] { return a->s(); })) return p + "s";
    if (!offset(a, A::VT_T) || !table_ok(a->t())) return p + "t";
    if (!offset(a, A::VT_G)) return p + "g";
    if (!table_ok(a->g())) return graph(a->g(), p + "graph g", depth + 1);
    if (!offset(a, A::VT_FLOATS) || !vec_ok(a->floats())) return p + "floats";
    if (!offset(a, A::VT_INTS) || !vec_ok(a->ints())) return p + "ints";
    if (!strings(a, A::VT_STRINGS, [&] { return a->strings(); })) return p + "strings";
    std::string w = tables(a, A::VT_TENSORS, [&] { return a->tensors(); }, p, "tensors", "tensor ");
    if (!w.empty()) return w;
    if (!offset(a, A::VT_GRAPHS) || !vec_ok(a->graphs())) return p + "graphs";
    for (flatbuffers::uoffset_t i = 0; i < vsize(a->graphs()); i++)
      if (!table_ok(a->graphs()->Get(i)))
        return graph(a->graphs()->Get(i), p + "graphs " + std::to_string(i), depth + 1);
    return "";
  }

  const uint8_t *data_;
  size_t len_;
};

}  // namespace

namespace ort_detail {

int verify_model(const uint8_t *data, size_t len, char *err, size_t errlen) {
  if (!data) {
    set_error(err, errlen, "no data (NULL pointer)");
    return ORT_FB_ERROR;
  }
  if (len < 8) {
    set_error(err, errlen, "file too small (%zu bytes) to be an ORT model", len);
    return ORT_FB_ERROR;
  }
  if (std::memcmp(data + 4, kIdentifier, 4) != 0) {
    char got[17];
    size_t n = 0;
    for (int i = 4; i < 8; i++) {
      unsigned char c = data[i];
      if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
        got[n++] = static_cast<char>(c);
      } else {
        n += static_cast<size_t>(std::snprintf(got + n, sizeof(got) - n, "\\x%02x", c));
      }
    }
    got[n] = 0;
    set_error(err, errlen, "wrong file identifier '%s', expected 'ORTM'", got);
    return ORT_FB_ERROR;
  }
  if (len >= static_cast<size_t>(FLATBUFFERS_MAX_BUFFER_SIZE)) {
    set_error(err, errlen, "file too large (%zu bytes): ORT models are flatbuffers of less than 2 GiB", len);
    return ORT_FB_ERROR;
  }
  try {
    flatbuffers::Verifier verifier(data, len, verifier_options());
    if (verifier.VerifyBuffer<fbs::InferenceSession>(kIdentifier)) return ORT_FB_OK;
    std::string where = FailureLocator(data, len).locate();
    if (where.empty()) where = "the model (nesting depth, table count or another field)";
    set_error(err, errlen, "flatbuffer verification failed at %s (offset, size or alignment out of bounds)",
              where.c_str());
  } catch (const std::bad_alloc &) {
    set_error(err, errlen, "out of memory");
  } catch (...) {
    set_error(err, errlen, "internal error during verification");
  }
  return ORT_FB_ERROR;
}

}  // namespace ort_detail

extern "C" int ort_verify(const uint8_t *data, size_t len, char *err, size_t errlen) {
  return verify_model(data, len, err, errlen);
}
