// Writing side of the ORT C facade, part 2: checks the cross references
// recorded by ort_writer.cpp (graph tree, node indices), serializes the
// model (ort_builder_finish) and returns the bytes.
#include <algorithm>

#include "ort_builder.h"

using namespace ort_detail;

namespace {

using FBB = flatbuffers::FlatBufferBuilder;
using StrOffsets = Offset<Vector<Offset<flatbuffers::String>>>;

// Strings are pooled: names repeat in nodes, node args and the resolver.
Offset<flatbuffers::String> str(FBB &fbb, const OptStr &o) {
  return o.present ? fbb.CreateSharedString(o.s) : Offset<flatbuffers::String>();
}

template <typename T> Offset<Vector<T>> vec(FBB &fbb, const Opt<T> &o) {
  return o.present ? fbb.CreateVector(o.v) : Offset<Vector<T>>();
}

StrOffsets strs(FBB &fbb, const OptStrings &o) {
  if (!o.present) return StrOffsets();
  std::vector<Offset<flatbuffers::String>> v;
  v.reserve(o.v.size());
  for (const std::string &s : o.v) v.push_back(fbb.CreateSharedString(s));
  return fbb.CreateVector(v);
}

template <typename T> Offset<Vector<Offset<T>>> tables(FBB &fbb, bool present, const std::vector<Offset<T>> &v) {
  return (present || !v.empty()) ? fbb.CreateVector(v) : Offset<Vector<Offset<T>>>();
}

Offset<fbs::Tensor> build_tensor(FBB &fbb, const TensorRec &t) {
  auto name = str(fbb, t.name), doc = str(fbb, t.doc_string);
  auto dims = vec(fbb, t.dims);
  auto sdata = strs(fbb, t.string_data);
  fbs::TensorBuilder tb(fbb);
  if (t.name.present) tb.add_name(name);
  if (t.doc_string.present) tb.add_doc_string(doc);
  if (t.dims.present) tb.add_dims(dims);
  tb.add_data_type(static_cast<fbs::TensorDataType>(t.data_type));
  if (t.has_raw) tb.add_raw_data(t.raw);
  if (t.string_data.present) tb.add_string_data(sdata);
  tb.add_external_data_offset(t.external_data_offset);
  return tb.Finish();
}

Offset<fbs::SparseTensor> build_sparse(FBB &fbb, const SparseRec &s) {
  auto values = s.has_values ? build_tensor(fbb, s.values) : Offset<fbs::Tensor>();
  auto indices = s.has_indices ? build_tensor(fbb, s.indices) : Offset<fbs::Tensor>();
  auto dims = vec(fbb, s.dims);
  fbs::SparseTensorBuilder sb(fbb);
  if (s.has_values) sb.add_values(values);
  if (s.has_indices) sb.add_indices(indices);
  if (s.dims.present) sb.add_dims(dims);
  return sb.Finish();
}

Offset<fbs::Shape> build_shape(FBB &fbb, const NodeArgRec &a, const LevelRec &l) {
  Offset<Vector<Offset<fbs::Dimension>>> dimv;
  if (l.has_dims) {
    std::vector<Offset<fbs::Dimension>> dims;
    for (const DimRec &d : a.dims) {
      Offset<fbs::DimensionValue> value;
      if (d.has_value) {
        auto param = str(fbb, d.dim_param);
        fbs::DimensionValueBuilder vb(fbb);
        vb.add_dim_type(static_cast<fbs::DimensionValueType>(d.dim_type));
        vb.add_dim_value(d.dim_value);
        if (d.dim_param.present) vb.add_dim_param(param);
        value = vb.Finish();
      }
      auto denotation = str(fbb, d.denotation);
      fbs::DimensionBuilder db(fbb);
      if (d.has_value) db.add_value(value);
      if (d.denotation.present) db.add_denotation(denotation);
      dims.push_back(db.Finish());
    }
    dimv = fbb.CreateVector(dims);
  }
  fbs::ShapeBuilder sb(fbb);
  if (l.has_dims) sb.add_dim(dimv);
  return sb.Finish();
}

// The type chain is built innermost level first.
Offset<fbs::TypeInfo> build_type(FBB &fbb, const NodeArgRec &a) {
  Offset<fbs::TypeInfo> inner;
  for (size_t k = a.levels.size(); k-- > 0;) {
    const LevelRec &l = a.levels[k];
    const bool has_inner = k + 1 < a.levels.size();
    Offset<void> value;
    if (l.has_value && l.value_type == fbs::TypeInfoValue_tensor_type) {
      auto shape = l.has_shape ? build_shape(fbb, a, l) : Offset<fbs::Shape>();
      fbs::TensorTypeAndShapeBuilder tb(fbb);
      tb.add_elem_type(static_cast<fbs::TensorDataType>(l.elem_type));
      if (l.has_shape) tb.add_shape(shape);
      value = tb.Finish().Union();
    } else if (l.has_value && l.value_type == fbs::TypeInfoValue_sequence_type) {
      fbs::SequenceTypeBuilder sb(fbb);
      if (has_inner) sb.add_elem_type(inner);
      value = sb.Finish().Union();
    } else if (l.has_value && l.value_type == fbs::TypeInfoValue_map_type) {
      fbs::MapTypeBuilder mb(fbb);
      mb.add_key_type(static_cast<fbs::TensorDataType>(l.elem_type));
      if (has_inner) mb.add_value_type(inner);
      value = mb.Finish().Union();
    }
    auto denotation = str(fbb, l.denotation);
    fbs::TypeInfoBuilder tb(fbb);
    if (l.denotation.present) tb.add_denotation(denotation);
    if (l.value_type != fbs::TypeInfoValue_NONE) tb.add_value_type(static_cast<fbs::TypeInfoValue>(l.value_type));
    if (l.has_value) tb.add_value(value);
    inner = tb.Finish();
  }
  return inner;
}

Offset<fbs::Attribute> build_attribute(FBB &fbb, const AttrRec &a, const std::vector<Offset<fbs::Graph>> &graphs) {
  auto name = str(fbb, a.name), doc = str(fbb, a.doc_string), s = str(fbb, a.s);
  auto t = a.has_t ? build_tensor(fbb, a.t) : Offset<fbs::Tensor>();
  auto floats = vec(fbb, a.floats);
  auto ints = vec(fbb, a.ints);
  auto strings = strs(fbb, a.strings);
  std::vector<Offset<fbs::Tensor>> tv;
  for (const TensorRec &r : a.tensors) tv.push_back(build_tensor(fbb, r));
  auto tensors = tables(fbb, a.has_tensors, tv);
  Offset<Vector<Offset<fbs::Graph>>> gv;
  if (a.graphs.present) {
    std::vector<Offset<fbs::Graph>> v;
    for (int32_t id : a.graphs.v) v.push_back(graphs[static_cast<size_t>(id)]);
    gv = fbb.CreateVector(v);
  }
  fbs::AttributeBuilder ab(fbb);
  if (a.name.present) ab.add_name(name);
  if (a.doc_string.present) ab.add_doc_string(doc);
  ab.add_type(static_cast<fbs::AttributeType>(a.type));
  ab.add_f(a.f);
  ab.add_i(a.i);
  if (a.s.present) ab.add_s(s);
  if (a.has_t) ab.add_t(t);
  if (a.g >= 0) ab.add_g(graphs[static_cast<size_t>(a.g)]);
  if (a.floats.present) ab.add_floats(floats);
  if (a.ints.present) ab.add_ints(ints);
  if (a.strings.present) ab.add_strings(strings);
  if (a.has_tensors || !tv.empty()) ab.add_tensors(tensors);
  if (a.graphs.present) ab.add_graphs(gv);
  return ab.Finish();
}

Offset<fbs::Node> build_node(FBB &fbb, const NodeRec &n, const std::vector<Offset<fbs::Graph>> &graphs) {
  std::vector<Offset<fbs::Attribute>> av;
  for (const AttrRec &a : n.attributes) av.push_back(build_attribute(fbb, a, graphs));
  auto attrs = tables(fbb, n.has_attributes, av);
  auto name = str(fbb, n.name), doc = str(fbb, n.doc_string), domain = str(fbb, n.domain);
  auto op_type = str(fbb, n.op_type), ep = str(fbb, n.ep_type);
  auto inputs = strs(fbb, n.inputs), outputs = strs(fbb, n.outputs), implicit = strs(fbb, n.implicit_inputs);
  auto argc = vec(fbb, n.input_arg_counts);
  fbs::NodeBuilder nb(fbb);
  if (n.name.present) nb.add_name(name);
  if (n.doc_string.present) nb.add_doc_string(doc);
  if (n.domain.present) nb.add_domain(domain);
  nb.add_since_version(n.since_version);
  nb.add_index(n.index);
  if (n.op_type.present) nb.add_op_type(op_type);
  nb.add_type(static_cast<fbs::NodeType>(n.type));
  if (n.ep_type.present) nb.add_execution_provider_type(ep);
  if (n.inputs.present) nb.add_inputs(inputs);
  if (n.outputs.present) nb.add_outputs(outputs);
  if (n.has_attributes || !av.empty()) nb.add_attributes(attrs);
  if (n.input_arg_counts.present) nb.add_input_arg_counts(argc);
  if (n.implicit_inputs.present) nb.add_implicit_inputs(implicit);
  return nb.Finish();
}

Offset<fbs::RuntimeOptimizations> build_runtime_optimizations(FBB &fbb, const GraphRecB &g) {
  std::vector<Offset<fbs::RuntimeOptimizationRecordContainerEntry>> entries;
  for (const OptEntryRec &e : g.runtime_optimizations) {
    std::vector<Offset<fbs::RuntimeOptimizationRecord>> records;
    for (const OptRecordRec &r : e.records) {
      Offset<fbs::NodesToOptimizeIndices> nodes;
      if (r.has_nodes) {
        auto indices = vec(fbb, r.node_indices);
        fbs::NodesToOptimizeIndicesBuilder nb(fbb);
        if (r.node_indices.present) nb.add_node_indices(indices);
        nb.add_num_inputs(r.num_inputs);
        nb.add_num_outputs(r.num_outputs);
        nb.add_has_variadic_input(r.has_variadic_input);
        nb.add_has_variadic_output(r.has_variadic_output);
        nb.add_num_variadic_inputs(r.num_variadic_inputs);
        nb.add_num_variadic_outputs(r.num_variadic_outputs);
        nodes = nb.Finish();
      }
      auto action = str(fbb, r.action_id);
      auto produced = strs(fbb, r.produced_op_ids);
      fbs::RuntimeOptimizationRecordBuilder rb(fbb);
      if (r.action_id.present) rb.add_action_id(action);
      if (r.has_nodes) rb.add_nodes_to_optimize_indices(nodes);
      if (r.produced_op_ids.present) rb.add_produced_op_ids(produced);
      records.push_back(rb.Finish());
    }
    auto rv = tables(fbb, e.has_records, records);
    auto name = fbb.CreateSharedString(e.optimizer_name);
    fbs::RuntimeOptimizationRecordContainerEntryBuilder eb(fbb);
    eb.add_optimizer_name(name);
    if (e.has_records || !records.empty()) eb.add_runtime_optimization_records(rv);
    entries.push_back(eb.Finish());
  }
  auto ev = tables(fbb, g.has_runtime_optimization_records, entries);
  fbs::RuntimeOptimizationsBuilder rb(fbb);
  if (g.has_runtime_optimization_records || !entries.empty()) rb.add_records(ev);
  return rb.Finish();
}

// Upper estimate of the bytes a tensor adds (raw data is already in the buffer).
uint64_t tensor_bytes(const TensorRec &t) {
  uint64_t bytes = 256 + t.name.s.size() + t.doc_string.s.size() + 8 * t.dims.v.size();
  for (const std::string &s : t.string_data.v) bytes += 8 + s.size();
  return bytes;
}

// Upper estimate of the bytes a node adds (tensor raw data is already in the buffer).
uint64_t node_bytes(const NodeRec &n) {
  uint64_t bytes = 512 + n.name.s.size() + n.doc_string.s.size() + n.op_type.s.size() + n.domain.s.size();
  for (const auto *list : {&n.inputs, &n.outputs, &n.implicit_inputs})
    for (const std::string &s : list->v) bytes += 8 + s.size();
  for (const AttrRec &a : n.attributes) {
    bytes += 256 + a.name.s.size() + a.doc_string.s.size() + a.s.s.size() + 8 * (a.floats.v.size() + a.ints.v.size());
    for (const std::string &s : a.strings.v) bytes += 8 + s.size();
    for (const TensorRec &t : a.tensors) bytes += tensor_bytes(t);
    bytes += tensor_bytes(a.t) + 8 * a.graphs.v.size();
  }
  return bytes;
}

Offset<fbs::Graph> build_graph(ort_builder *b, size_t id, const std::vector<Offset<fbs::Graph>> &graphs, char *err,
                               size_t errlen, bool *ok) {
  FBB &fbb = b->fbb;
  const GraphRecB &g = b->graphs[id];
  *ok = false;
  std::vector<Offset<fbs::Tensor>> inits;
  for (size_t i = 0; i < g.initializers.size(); i++) {
    if (!b->room(tensor_bytes(g.initializers[i]), err, errlen))
      return prefix_error(err, errlen, "graph %zu, initializer %zu", id, i), Offset<fbs::Graph>();
    inits.push_back(build_tensor(fbb, g.initializers[i]));
  }
  std::vector<Offset<fbs::ValueInfo>> args;
  for (size_t i = 0; i < g.node_args.size(); i++) {
    const NodeArgRec &a = g.node_args[i];
    if (!b->room(512 + 64 * a.dims.size() + a.name.s.size() + a.doc_string.s.size(), err, errlen))
      return prefix_error(err, errlen, "graph %zu, node arg %zu", id, i), Offset<fbs::Graph>();
    auto type = a.levels.empty() ? Offset<fbs::TypeInfo>() : build_type(fbb, a);
    auto name = str(fbb, a.name), doc = str(fbb, a.doc_string);
    fbs::ValueInfoBuilder vb(fbb);
    if (a.name.present) vb.add_name(name);
    if (a.doc_string.present) vb.add_doc_string(doc);
    if (!a.levels.empty()) vb.add_type(type);
    args.push_back(vb.Finish());
  }
  std::vector<Offset<fbs::Node>> nodes;
  for (size_t i = 0; i < g.nodes.size(); i++) {
    if (!b->room(node_bytes(g.nodes[i]), err, errlen))
      return prefix_error(err, errlen, "graph %zu, node %zu", id, i), Offset<fbs::Graph>();
    nodes.push_back(build_node(fbb, g.nodes[i], graphs));
  }
  std::vector<Offset<fbs::NodeEdge>> edges;
  for (const EdgeRec &e : g.edges) {
    auto in = e.input_edges.present ? fbb.CreateVectorOfStructs(e.input_edges.v) : Offset<Vector<const fbs::EdgeEnd *>>();
    auto out = e.output_edges.present ? fbb.CreateVectorOfStructs(e.output_edges.v) : Offset<Vector<const fbs::EdgeEnd *>>();
    fbs::NodeEdgeBuilder eb(fbb);
    eb.add_node_index(e.node_index);
    if (e.input_edges.present) eb.add_input_edges(in);
    if (e.output_edges.present) eb.add_output_edges(out);
    edges.push_back(eb.Finish());
  }
  std::vector<Offset<fbs::SparseTensor>> sparse;
  for (const SparseRec &s : g.sparse_initializers) sparse.push_back(build_sparse(fbb, s));
  if (!b->room(4096 + 16 * (inits.size() + args.size() + nodes.size() + edges.size() + g.inputs.v.size() + g.outputs.v.size()), err, errlen))
    return prefix_error(err, errlen, "graph %zu", id), Offset<fbs::Graph>();
  const bool has_ro = g.has_runtime_optimizations || !g.runtime_optimizations.empty();
  auto ro = has_ro ? build_runtime_optimizations(fbb, g) : Offset<fbs::RuntimeOptimizations>();
  auto init_v = tables(fbb, g.has_initializers, inits);
  auto args_v = tables(fbb, g.has_node_args, args);
  auto nodes_v = tables(fbb, g.has_nodes, nodes);
  auto edges_v = tables(fbb, g.has_node_edges, edges);
  auto sparse_v = tables(fbb, g.has_sparse_initializers, sparse);
  auto inputs = strs(fbb, g.inputs), outputs = strs(fbb, g.outputs);
  fbs::GraphBuilder gb(fbb);
  if (!init_v.IsNull()) gb.add_initializers(init_v);
  if (!args_v.IsNull()) gb.add_node_args(args_v);
  if (!nodes_v.IsNull()) gb.add_nodes(nodes_v);
  gb.add_max_node_index(g.max_node_index);
  if (!edges_v.IsNull()) gb.add_node_edges(edges_v);
  if (g.inputs.present) gb.add_inputs(inputs);
  if (g.outputs.present) gb.add_outputs(outputs);
  if (!sparse_v.IsNull()) gb.add_sparse_initializers(sparse_v);
  if (has_ro) gb.add_runtime_optimizations(ro);
  *ok = true;
  return gb.Finish();
}

// Checks graph references (a tree rooted at graph 0) and node indices.
// Returns the graph ids in breadth-first order from graph 0.
bool validate(const ort_builder *b, std::vector<size_t> *order, char *err, size_t errlen) {
  const size_t ng = b->graphs.size();
  std::vector<int32_t> parent(ng, -1);
  std::vector<std::vector<size_t>> children(ng);
  for (size_t gi = 0; gi < ng; gi++) {
    const GraphRecB &g = b->graphs[gi];
    std::vector<std::pair<uint32_t, size_t>> indices;  // (Node.index, node position)
    for (size_t ni = 0; ni < g.nodes.size(); ni++) {
      const NodeRec &n = g.nodes[ni];
      if (n.index >= g.max_node_index)
        return set_error(err, errlen, "graph %zu, node %zu: node index %u out of range (max_node_index %u)", gi, ni, n.index, g.max_node_index), false;
      indices.emplace_back(n.index, ni);
      for (size_t ai = 0; ai < n.attributes.size(); ai++) {
        const AttrRec &a = n.attributes[ai];
        std::vector<int32_t> refs(a.graphs.v);
        if (a.g != -1) refs.insert(refs.begin(), a.g);
        for (int32_t id : refs) {
          if (id < 1 || static_cast<size_t>(id) >= ng)
            return set_error(err, errlen, "graph %zu, node %zu, attribute %zu: graph id %d out of range (1 .. %zu; 0 is the main graph)", gi, ni, ai, id, ng - 1), false;
          if (parent[static_cast<size_t>(id)] != -1)
            return set_error(err, errlen, "graph %zu, node %zu, attribute %zu: graph id %d is already used by graph %d", gi, ni, ai, id, parent[static_cast<size_t>(id)]), false;
          parent[static_cast<size_t>(id)] = static_cast<int32_t>(gi);
          children[gi].push_back(static_cast<size_t>(id));
        }
      }
    }
    std::sort(indices.begin(), indices.end());
    for (size_t k = 1; k < indices.size(); k++)
      if (indices[k].first == indices[k - 1].first)
        return set_error(err, errlen, "graph %zu, node %zu: duplicate node index %u (also node %zu)", gi, std::max(indices[k].second, indices[k - 1].second), indices[k].first, std::min(indices[k].second, indices[k - 1].second)), false;
    for (size_t ei = 0; ei < g.edges.size(); ei++) {
      const EdgeRec &e = g.edges[ei];
      bool ok = e.node_index < g.max_node_index;
      for (const auto *list : {&e.input_edges.v, &e.output_edges.v})
        for (const fbs::EdgeEnd &end : *list) ok = ok && end.node_index() < g.max_node_index;
      if (!ok) return set_error(err, errlen, "graph %zu, node edge %zu: node index out of range (max_node_index %u)", gi, ei, g.max_node_index), false;
    }
  }
  if (ng == 0) return true;
  order->push_back(0);
  for (size_t k = 0; k < order->size(); k++)
    for (size_t child : children[(*order)[k]]) order->push_back(child);
  if (order->size() != ng) {
    for (size_t id = 1; id < ng; id++)
      if (parent[id] == -1) return set_error(err, errlen, "graph %zu is not used by any attribute", id), false;
    return set_error(err, errlen, "graphs are nested in a cycle, unreachable from graph 0"), false;
  }
  return true;
}

bool serialize(ort_builder *b, const std::vector<size_t> &order, char *err, size_t errlen) {
  FBB &fbb = b->fbb;
  std::vector<Offset<fbs::Graph>> graphs(b->graphs.size());
  for (size_t k = order.size(); k-- > 0;) {  // children before their parents
    bool ok = false;
    graphs[order[k]] = build_graph(b, order[k], graphs, err, errlen, &ok);
    if (!ok) return false;
  }
  std::vector<Offset<fbs::OperatorSetId>> opsets;
  for (const auto &o : b->opsets) {
    auto domain = str(fbb, o.first);
    fbs::OperatorSetIdBuilder ob(fbb);
    if (o.first.present) ob.add_domain(domain);
    ob.add_version(o.second);
    opsets.push_back(ob.Finish());
  }
  std::vector<Offset<fbs::StringStringEntry>> metadata;
  for (const auto &m : b->metadata) metadata.push_back(fbs::CreateStringStringEntry(fbb, str(fbb, m.first), str(fbb, m.second)));
  auto opsets_v = tables(fbb, b->has_opset_import, opsets);
  auto meta_v = tables(fbb, b->has_metadata_props, metadata);
  auto producer = str(fbb, b->producer_name), producer_version = str(fbb, b->producer_version);
  auto domain = str(fbb, b->domain), doc = str(fbb, b->doc_string), graph_doc = str(fbb, b->graph_doc_string);
  fbs::ModelBuilder mb(fbb);
  mb.add_ir_version(b->ir_version);
  if (!opsets_v.IsNull()) mb.add_opset_import(opsets_v);
  if (b->producer_name.present) mb.add_producer_name(producer);
  if (b->producer_version.present) mb.add_producer_version(producer_version);
  if (b->domain.present) mb.add_domain(domain);
  mb.add_model_version(b->model_version);
  if (b->doc_string.present) mb.add_doc_string(doc);
  if (!graphs.empty()) mb.add_graph(graphs[0]);
  if (b->graph_doc_string.present) mb.add_graph_doc_string(graph_doc);
  if (!meta_v.IsNull()) mb.add_metadata_props(meta_v);
  auto model = mb.Finish();
  Offset<fbs::KernelTypeStrResolver> resolver;
  const bool has_resolver = b->has_resolver || !b->kts_ops.empty();
  if (has_resolver) {
    std::vector<Offset<fbs::OpIdKernelTypeStrArgsEntry>> ops;
    for (const KtsOpRec &op : b->kts_ops) {
      std::vector<Offset<fbs::KernelTypeStrArgsEntry>> entries;
      for (const KtsArgsRec &e : op.entries) {
        std::vector<Offset<fbs::ArgTypeAndIndex>> args;
        for (const auto &a : e.args) args.push_back(fbs::CreateArgTypeAndIndex(fbb, static_cast<fbs::ArgType>(a.first), a.second));
        auto args_v = tables(fbb, e.has_args, args);
        entries.push_back(fbs::CreateKernelTypeStrArgsEntry(fbb, fbb.CreateSharedString(e.kernel_type_str), args_v));
      }
      auto entries_v = tables(fbb, op.has_entries, entries);
      ops.push_back(fbs::CreateOpIdKernelTypeStrArgsEntry(fbb, fbb.CreateSharedString(op.op_id), entries_v));
    }
    resolver = fbs::CreateKernelTypeStrResolver(fbb, tables(fbb, b->has_resolver_ops, ops));
  }
  auto version = str(fbb, b->ort_version);
  fbs::InferenceSessionBuilder sb(fbb);
  if (b->ort_version.present) sb.add_ort_version(version);
  sb.add_model(model);
  if (has_resolver) sb.add_kernel_type_str_resolver(resolver);
  fbs::FinishInferenceSessionBuffer(fbb, sb.Finish());
  return true;
}

}  // namespace

extern "C" {

int ort_builder_finish(ort_builder *b, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return ORT_FB_ERROR;
  ORT_TRY
  std::vector<size_t> order;
  if (!validate(b, &order, err, errlen)) return ORT_FB_ERROR;  // nothing serialized yet: the builder stays usable
  b->state = ort_builder::FAILED;
  if (!serialize(b, order, err, errlen)) return ORT_FB_ERROR;
  char verr[512];
  if (ort_verify(b->fbb.GetBufferPointer(), b->fbb.GetSize(), verr, sizeof(verr)) != ORT_FB_OK) {
    set_error(err, errlen, "internal error: the written model does not verify: %s", verr);
    return ORT_FB_ERROR;
  }
  b->state = ort_builder::FINISHED;
  return ORT_FB_OK;
  ORT_CATCH(ORT_FB_ERROR)
}

int ort_builder_data(const ort_builder *b, const uint8_t **data, size_t *size, char *err, size_t errlen) {
  if (!b || b->state != ort_builder::FINISHED || !data || !size) {
    set_error(err, errlen, "builder is not finished");
    return ORT_FB_ERROR;
  }
  *data = const_cast<ort_builder *>(b)->fbb.GetBufferPointer();
  *size = b->fbb.GetSize();
  return ORT_FB_OK;
}

}  // extern "C"
