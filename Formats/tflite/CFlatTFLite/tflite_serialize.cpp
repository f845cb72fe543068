// Writing side of the TFLite C facade, part 2: checks the cross references
// recorded by tflite_writer.cpp, serializes the model and places external
// buffers (tfl_builder_finish and the result accessors).
#include "tflite_builder.h"

using namespace tfl_detail;

namespace {

Offset<tflite::QuantizationParameters> build_quantization(flatbuffers::FlatBufferBuilder &fbb, const TensorRec &t) {
  auto min = vec(fbb, t.q_min), max = vec(fbb, t.q_max), scale = vec(fbb, t.q_scale);
  auto zp = vec(fbb, t.q_zero_point);
  Offset<void> details;
  switch (t.q_details_type) {
    case TFL_QDETAILS_CUSTOM: {
      Offset<Vector<uint8_t>> custom;
      if (t.q_custom.present) {
        fbb.ForceVectorAlignment(t.q_custom.v.size(), 1, 16);
        custom = fbb.CreateVector(t.q_custom.v);
      }
      details = tflite::CreateCustomQuantization(fbb, custom).Union();
      break;
    }
    case TFL_QDETAILS_BLOCKWISE:
      details = tflite::CreateBlockwiseQuantization(fbb, t.q_scales, t.q_zero_points, t.q_block_size,
                                                    vec(fbb, t.q_dims)).Union();
      break;
    case TFL_QDETAILS_MULTI_AXIS:
      details = tflite::CreateMultiAxisQuantization(fbb, t.q_scales, t.q_zero_points, t.q_block_size,
                                                    vec(fbb, t.q_dims)).Union();
      break;
    default: break;
  }
  tflite::QuantizationParametersBuilder qb(fbb);
  if (t.q_min.present) qb.add_min(min);
  if (t.q_max.present) qb.add_max(max);
  if (t.q_scale.present) qb.add_scale(scale);
  if (t.q_zero_point.present) qb.add_zero_point(zp);
  if (t.q_details_type != 0) {
    qb.add_details_type(static_cast<tflite::QuantizationDetails>(t.q_details_type));
    qb.add_details(details);
  }
  qb.add_quantized_dimension(t.q_dim);
  return qb.Finish();
}

Offset<void> build_sparse_index(flatbuffers::FlatBufferBuilder &fbb, uint8_t type, const Opt<uint8_t> &raw,
                                size_t count) {
  switch (type) {
    case TFL_SPARSE_INDEX_INT32: {
      Offset<Vector<int32_t>> v;
      if (raw.present) {
        int32_t *dst = nullptr;
        v = fbb.CreateUninitializedVector(count, &dst);
        if (count) std::memcpy(dst, raw.v.data(), count * 4);
      }
      return tflite::CreateInt32Vector(fbb, v).Union();
    }
    case TFL_SPARSE_INDEX_UINT16: {
      Offset<Vector<uint16_t>> v;
      if (raw.present) {
        uint16_t *dst = nullptr;
        fbb.ForceVectorAlignment(count, 2, 4);
        v = fbb.CreateUninitializedVector(count, &dst);
        if (count) std::memcpy(dst, raw.v.data(), count * 2);
      }
      return tflite::CreateUint16Vector(fbb, v).Union();
    }
    case TFL_SPARSE_INDEX_UINT8: {
      Offset<Vector<uint8_t>> v;
      if (raw.present) {
        fbb.ForceVectorAlignment(count, 1, 4);
        v = fbb.CreateVector(raw.v);
      }
      return tflite::CreateUint8Vector(fbb, v).Union();
    }
    default: return Offset<void>();
  }
}

Offset<tflite::SparsityParameters> build_sparsity(flatbuffers::FlatBufferBuilder &fbb, const TensorRec &t) {
  std::vector<Offset<tflite::DimensionMetadata>> dims;
  for (const DimRec &d : t.dims) {
    auto seg = build_sparse_index(fbb, d.seg_type, d.seg, d.seg_count);
    auto idx = build_sparse_index(fbb, d.idx_type, d.idx, d.idx_count);
    tflite::DimensionMetadataBuilder db(fbb);
    db.add_format(static_cast<tflite::DimensionType>(d.format));
    db.add_dense_size(d.dense_size);
    if (d.seg_type) db.add_array_segments_type(static_cast<tflite::SparseIndexVector>(d.seg_type)), db.add_array_segments(seg);
    if (d.idx_type) db.add_array_indices_type(static_cast<tflite::SparseIndexVector>(d.idx_type)), db.add_array_indices(idx);
    dims.push_back(db.Finish());
  }
  auto order = vec(fbb, t.traversal_order), block = vec(fbb, t.block_map);
  auto dimv = fbb.CreateVector(dims);
  tflite::SparsityParametersBuilder sb(fbb);
  if (t.traversal_order.present) sb.add_traversal_order(order);
  if (t.block_map.present) sb.add_block_map(block);
  sb.add_dim_metadata(dimv);
  return sb.Finish();
}

Offset<tflite::Tensor> build_tensor(flatbuffers::FlatBufferBuilder &fbb, const TensorRec &t) {
  auto name = str(fbb, t.name);
  auto shape = vec(fbb, t.shape), sig = vec(fbb, t.shape_signature);
  auto quant = t.has_quant ? build_quantization(fbb, t) : Offset<tflite::QuantizationParameters>();
  auto sparsity = t.has_sparsity ? build_sparsity(fbb, t) : Offset<tflite::SparsityParameters>();
  Offset<Vector<Offset<tflite::VariantSubType>>> variants;
  if (!t.variants.empty()) {
    std::vector<Offset<tflite::VariantSubType>> vs;
    for (const VariantRec &v : t.variants) {
      auto vshape = vec(fbb, v.shape);
      tflite::VariantSubTypeBuilder vb(fbb);
      if (v.shape.present) vb.add_shape(vshape);
      vb.add_type(static_cast<tflite::TensorType>(v.type));
      vb.add_has_rank(v.has_rank);
      vs.push_back(vb.Finish());
    }
    variants = fbb.CreateVector(vs);
  }
  tflite::TensorBuilder tb(fbb);
  if (t.shape.present) tb.add_shape(shape);
  tb.add_type(static_cast<tflite::TensorType>(t.type));
  tb.add_buffer(t.buffer);
  if (t.name.present) tb.add_name(name);
  if (t.has_quant) tb.add_quantization(quant);
  tb.add_is_variable(t.is_variable);
  if (t.has_sparsity) tb.add_sparsity(sparsity);
  if (t.shape_signature.present) tb.add_shape_signature(sig);
  tb.add_has_rank(t.has_rank);
  if (!t.variants.empty()) tb.add_variant_tensors(variants);
  tb.add_external_buffer(t.external_buffer);
  return tb.Finish();
}

Offset<tflite::Operator> build_operator(flatbuffers::FlatBufferBuilder &fbb, const OperatorRec &o) {
  auto inputs = fbb.CreateVector(o.inputs), outputs = fbb.CreateVector(o.outputs);
  auto inter = vec(fbb, o.intermediates);
  auto mutating = vec(fbb, o.mutating);
  tflite::OperatorBuilder ob(fbb);
  ob.add_opcode_index(o.opcode_index);
  ob.add_inputs(inputs);
  ob.add_outputs(outputs);
  if (o.opt1_type) ob.add_builtin_options_type(static_cast<tflite::BuiltinOptions>(o.opt1_type)), ob.add_builtin_options(o.opt1);
  if (!o.custom.IsNull()) ob.add_custom_options(o.custom);
  ob.add_custom_options_format(static_cast<tflite::CustomOptionsFormat>(o.custom_format));
  if (o.mutating.present) ob.add_mutating_variable_inputs(mutating);
  if (o.intermediates.present) ob.add_intermediates(inter);
  ob.add_large_custom_options_offset(o.large_offset);
  ob.add_large_custom_options_size(o.large_size);
  if (o.opt2_type) ob.add_builtin_options_2_type(static_cast<tflite::BuiltinOptions2>(o.opt2_type)), ob.add_builtin_options_2(o.opt2);
  ob.add_debug_metadata_index(o.debug_metadata_index);
  return ob.Finish();
}

bool check_list(const std::vector<int32_t> &list, size_t count, const char *what, char *err, size_t errlen) {
  for (size_t i = 0; i < list.size(); i++) {
    if (list[i] == -1 || (list[i] >= 0 && static_cast<size_t>(list[i]) < count)) continue;
    set_error(err, errlen, "%s %zu: tensor index %d out of range (%zu tensors)", what, i, list[i], count);
    return false;
  }
  return true;
}

// All cross references, before anything is serialized.
bool validate(const tfl_builder *b, char *err, size_t errlen) {
  const size_t nbuf = b->buffers.size(), nsg = b->subgraphs.size();
  for (size_t i = 0; i < b->metadata_buffer.v.size(); i++) {
    int32_t v = b->metadata_buffer.v[i];
    if (v < 0 || static_cast<size_t>(v) >= nbuf)
      return set_error(err, errlen, "model metadata_buffer entry %zu: buffer index %d out of range (%zu buffers)", i, v, nbuf), false;
  }
  for (size_t s = 0; s < nsg; s++) {
    const SubgraphRec &sg = b->subgraphs[s];
    const size_t nt = sg.tensors.size();
    if (!check_list(sg.inputs, nt, "input", err, errlen) || !check_list(sg.outputs, nt, "output", err, errlen))
      return prefix_error(err, errlen, "subgraph %zu", s), false;
    for (size_t t = 0; t < nt; t++) {
      const TensorRec &tr = sg.tensors[t];
      if (tr.buffer >= nbuf)
        return set_error(err, errlen, "subgraph %zu, tensor %zu: buffer index %u out of range (%zu buffers)", s, t, tr.buffer, nbuf), false;
      if (tr.has_quant && (tr.q_details_type == TFL_QDETAILS_BLOCKWISE || tr.q_details_type == TFL_QDETAILS_MULTI_AXIS)) {
        for (int32_t v : {tr.q_scales, tr.q_zero_points})
          if (v < -1 || (v >= 0 && static_cast<size_t>(v) >= nt))
            return set_error(err, errlen, "subgraph %zu, tensor %zu: quantization details tensor index %d out of range (%zu tensors)", s, t, v, nt), false;
      }
    }
    for (size_t o = 0; o < sg.ops.size(); o++) {
      const OperatorRec &op = sg.ops[o];
      if (op.opcode_index >= b->codes.size())
        return set_error(err, errlen, "subgraph %zu, operator %zu: operator code index %u out of range (%zu codes)", s, o, op.opcode_index, b->codes.size()), false;
      if (!check_list(op.inputs, nt, "input", err, errlen) || !check_list(op.outputs, nt, "output", err, errlen) ||
          !check_list(op.intermediates.v, nt, "intermediate", err, errlen))
        return prefix_error(err, errlen, "subgraph %zu, operator %zu", s, o), false;
      for (const SubgraphRef &r : op.subgraph_refs)
        if (r.value < 0 || static_cast<uint64_t>(r.value) >= nsg)
          return set_error(err, errlen, "subgraph %zu, operator %zu: option '%s': subgraph index %lld out of range (%zu subgraphs)", s, o, r.field, static_cast<long long>(r.value), nsg), false;
    }
  }
  for (size_t i = 0; i < b->signatures.size(); i++) {
    const SignatureRec &sig = b->signatures[i];
    if (sig.subgraph >= nsg)
      return set_error(err, errlen, "signature def %zu: subgraph index %u out of range (%zu subgraphs)", i, sig.subgraph, nsg), false;
    const size_t nt = b->subgraphs[sig.subgraph].tensors.size();
    for (int out = 0; out < 2; out++) {
      const auto &list = out ? sig.outputs : sig.inputs;
      for (size_t k = 0; k < list.size(); k++)
        if (list[k].second >= nt)
          return set_error(err, errlen, "signature def %zu, %s %zu: tensor index %u out of range (%zu tensors)", i, out ? "output" : "input", k, list[k].second, nt), false;
    }
  }
  for (size_t i = 0; i < b->metadata.size(); i++)
    if (b->metadata[i].second >= nbuf)
      return set_error(err, errlen, "metadata %zu: buffer index %u out of range (%zu buffers)", i, b->metadata[i].second, nbuf), false;
  for (size_t i = 0; i < b->ext_buffers.size(); i++)
    if (b->ext_buffers[i].group >= b->ext_groups.size())
      return set_error(err, errlen, "external buffer %zu: group index %u out of range (%zu groups)", i, b->ext_buffers[i].group, b->ext_groups.size()), false;
  return true;
}

}  // namespace

namespace {

// Upper estimate of the bytes a tensor adds to the flatbuffer.
uint64_t tensor_bytes(const TensorRec &t) {
  uint64_t n = 512 + t.name.s.size() + 4 * (t.shape.v.size() + t.shape_signature.v.size());
  n += 4 * (t.q_scale.v.size() + t.q_min.v.size() + t.q_max.v.size()) + 8 * t.q_zero_point.v.size();
  n += t.q_custom.v.size() + 16 + 4 * (t.q_dims.v.size() + t.traversal_order.v.size() + t.block_map.v.size());
  for (const DimRec &d : t.dims) n += 64 + d.seg.v.size() + d.idx.v.size();
  for (const VariantRec &v : t.variants) n += 64 + 4 * v.shape.v.size();
  return n;
}

bool serialize(tfl_builder *b, char *err, size_t errlen) {
  flatbuffers::FlatBufferBuilder &fbb = b->fbb;
  std::vector<Offset<tflite::OperatorCode>> codes;
  for (const CodeRec &c : b->codes) {
    auto custom = str(fbb, c.custom_code);
    tflite::OperatorCodeBuilder cb(fbb);
    cb.add_deprecated_builtin_code(static_cast<int8_t>(c.code < 127 ? c.code : 127));
    if (c.custom_code.present) cb.add_custom_code(custom);
    cb.add_version(c.version);
    cb.add_builtin_code(static_cast<tflite::BuiltinOperator>(c.code));
    codes.push_back(cb.Finish());
  }
  std::vector<Offset<tflite::SubGraph>> subgraphs;
  for (size_t s = 0; s < b->subgraphs.size(); s++) {
    const SubgraphRec &sg = b->subgraphs[s];
    std::vector<Offset<tflite::Tensor>> tensors;
    for (size_t t = 0; t < sg.tensors.size(); t++) {
      if (!b->room(tensor_bytes(sg.tensors[t]), err, errlen))
        return prefix_error(err, errlen, "subgraph %zu, tensor %zu", s, t), false;
      tensors.push_back(build_tensor(fbb, sg.tensors[t]));
    }
    std::vector<Offset<tflite::Operator>> ops;
    for (size_t o = 0; o < sg.ops.size(); o++) {
      const OperatorRec &op = sg.ops[o];
      if (!b->room(256 + 4 * (op.inputs.size() + op.outputs.size() + op.intermediates.v.size()) + op.mutating.v.size(),
                   err, errlen))
        return prefix_error(err, errlen, "subgraph %zu, operator %zu", s, o), false;
      ops.push_back(build_operator(fbb, op));
    }
    if (!b->room(4 * (tensors.size() + ops.size() + sg.inputs.size() + sg.outputs.size()) + sg.name.s.size(), err,
                 errlen))
      return prefix_error(err, errlen, "subgraph %zu", s), false;
    auto tv = fbb.CreateVector(tensors);
    auto ov = fbb.CreateVector(ops);
    auto in = fbb.CreateVector(sg.inputs), out = fbb.CreateVector(sg.outputs);
    auto name = str(fbb, sg.name);
    tflite::SubGraphBuilder sb(fbb);
    sb.add_tensors(tv);
    sb.add_inputs(in);
    sb.add_outputs(out);
    sb.add_operators(ov);
    if (sg.name.present) sb.add_name(name);
    sb.add_debug_metadata_index(sg.debug_metadata_index);
    subgraphs.push_back(sb.Finish());
  }
  if (!b->room(64 * (b->buffers.size() + b->metadata.size() + b->ext_buffers.size() + b->codes.size()), err, errlen))
    return false;
  std::vector<Offset<tflite::Buffer>> buffers;
  for (const BufferRec &r : b->buffers) {
    tflite::BufferBuilder bb(fbb);
    if (r.has_data) bb.add_data(r.data);
    if (r.external) bb.add_offset(kOffsetPlaceholder), bb.add_size(r.size);
    buffers.push_back(bb.Finish());
  }
  std::vector<Offset<tflite::Metadata>> metadata;
  for (const auto &m : b->metadata) {
    auto name = str(fbb, m.first);
    tflite::MetadataBuilder mb(fbb);
    if (m.first.present) mb.add_name(name);
    mb.add_buffer(m.second);
    metadata.push_back(mb.Finish());
  }
  std::vector<Offset<tflite::SignatureDef>> sigs;
  for (const SignatureRec &sig : b->signatures) {
    std::vector<Offset<tflite::TensorMap>> maps[2];
    for (int k = 0; k < 2; k++) {
      for (const auto &e : (k ? sig.outputs : sig.inputs)) {
        auto name = str(fbb, e.first);
        tflite::TensorMapBuilder tb(fbb);
        if (e.first.present) tb.add_name(name);
        tb.add_tensor_index(e.second);
        maps[k].push_back(tb.Finish());
      }
    }
    auto inputs = fbb.CreateVector(maps[0]), outputs = fbb.CreateVector(maps[1]);
    auto key = str(fbb, sig.key);
    tflite::SignatureDefBuilder sb(fbb);
    sb.add_inputs(inputs);
    sb.add_outputs(outputs);
    if (sig.key.present) sb.add_signature_key(key);
    sb.add_subgraph_index(sig.subgraph);
    sigs.push_back(sb.Finish());
  }
  std::vector<Offset<tflite::ExternalBufferGroup>> groups;
  for (const OptStr &g : b->ext_groups) groups.push_back(tflite::CreateExternalBufferGroup(fbb, str(fbb, g)));
  std::vector<Offset<tflite::ExternalBuffer>> ext;
  for (const ExtBufferRec &e : b->ext_buffers)
    ext.push_back(tflite::CreateExternalBuffer(fbb, e.id, e.group, e.offset, e.length, str(fbb, e.packing)));

  auto codes_v = fbb.CreateVector(codes);
  auto subgraphs_v = fbb.CreateVector(subgraphs);
  auto description = str(fbb, b->description);
  auto buffers_v = fbb.CreateVector(buffers);
  auto metadata_buffer = vec(fbb, b->metadata_buffer);
  auto metadata_v = fbb.CreateVector(metadata);
  auto sigs_v = fbb.CreateVector(sigs);
  auto groups_v = fbb.CreateVector(groups);
  auto ext_v = fbb.CreateVector(ext);
  tflite::ModelBuilder mb(fbb);
  mb.add_version(b->version);
  mb.add_operator_codes(codes_v);
  mb.add_subgraphs(subgraphs_v);
  if (b->description.present) mb.add_description(description);
  mb.add_buffers(buffers_v);
  if (b->metadata_buffer.present) mb.add_metadata_buffer(metadata_buffer);
  if (!metadata.empty()) mb.add_metadata(metadata_v);
  if (!sigs.empty()) mb.add_signature_defs(sigs_v);
  if (!groups.empty()) mb.add_external_buffer_groups(groups_v);
  if (!ext.empty()) mb.add_external_buffers(ext_v);
  fbb.Finish(mb.Finish(), "TFL3");
  return true;
}

// External mode: assigns file offsets after the flatbuffer and patches them
// into the Buffer.offset fields (stored with a placeholder value).
bool place_external_buffers(tfl_builder *b, char *err, size_t errlen) {
  uint64_t pos = b->fbb.GetSize();
  b->file_size = pos;
  if (!b->external) return true;
  uint8_t *data = b->fbb.GetBufferPointer();
  auto buffers = tflite::GetModel(data)->buffers();
  for (size_t i = 0; i < b->buffers.size(); i++) {
    BufferRec &r = b->buffers[i];
    if (!r.external) continue;
    pos = align_up(pos, kExternalAlignment);
    r.placement = pos;
    pos += r.size;
    b->file_size = pos;
    auto table = reinterpret_cast<const flatbuffers::Table *>(buffers->Get(static_cast<flatbuffers::uoffset_t>(i)));
    const uint8_t *field = table->GetAddressOf(tflite::Buffer::VT_OFFSET);
    if (!field) return set_error(err, errlen, "internal error: buffer %zu has no offset field", i), false;
    flatbuffers::WriteScalar<uint64_t>(const_cast<uint8_t *>(field), r.placement);
  }
  return true;
}

}  // namespace

extern "C" {

int tfl_builder_finish(tfl_builder *b, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return TFL_ERROR;
  TFL_TRY
  if (!validate(b, err, errlen)) return TFL_ERROR;  // nothing serialized yet: the builder stays usable
  b->state = tfl_builder::FAILED;
  if (!serialize(b, err, errlen) || !place_external_buffers(b, err, errlen)) return TFL_ERROR;
  char verr[512];
  if (tfl_verify(b->fbb.GetBufferPointer(), b->fbb.GetSize(), verr, sizeof(verr)) != TFL_OK) {
    set_error(err, errlen, "internal error: the written model does not verify: %s", verr);
    return TFL_ERROR;
  }
  b->state = tfl_builder::FINISHED;
  return TFL_OK;
  TFL_CATCH(TFL_ERROR)
}

int tfl_builder_data(const tfl_builder *b, const uint8_t **data, size_t *size, char *err, size_t errlen) {
  if (!b || b->state != tfl_builder::FINISHED || !data || !size) {
    set_error(err, errlen, "builder is not finished");
    return TFL_ERROR;
  }
  *data = const_cast<tfl_builder *>(b)->fbb.GetBufferPointer();
  *size = b->fbb.GetSize();
  return TFL_OK;
}

int tfl_builder_buffer_placement(const tfl_builder *b, int32_t buffer, uint64_t *offset, uint64_t *size, char *err,
                                 size_t errlen) {
  if (!b || b->state != tfl_builder::FINISHED || !offset || !size) {
    set_error(err, errlen, "builder is not finished");
    return TFL_ERROR;
  }
  if (buffer < 0 || static_cast<size_t>(buffer) >= b->buffers.size()) {
    set_error(err, errlen, "buffer index %d out of range (%zu buffers)", buffer, b->buffers.size());
    return TFL_ERROR;
  }
  const BufferRec &r = b->buffers[static_cast<size_t>(buffer)];
  *offset = r.external ? r.placement : 0;
  *size = r.external ? r.size : 0;
  return TFL_OK;
}

uint64_t tfl_builder_file_size(const tfl_builder *b) {
  return (b && b->state == tfl_builder::FINISHED) ? b->file_size : 0;
}

}  // extern "C"
