// Writing side of the TFLite C facade, part 1: the builder handle and the
// functions recording buffers, operator codes, subgraphs, tensors,
// operators, signature defs and metadata. Serialization: tflite_serialize.cpp.
#include "tflite_builder.h"

using namespace tfl_detail;

namespace {

SubgraphRec *subgraph_at(tfl_builder *b, int32_t sg, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return nullptr;
  if (sg < 0 || static_cast<size_t>(sg) >= b->subgraphs.size()) {
    set_error(err, errlen, "subgraph index %d out of range (%zu subgraphs)", sg, b->subgraphs.size());
    return nullptr;
  }
  return &b->subgraphs[static_cast<size_t>(sg)];
}

TensorRec *tensor_at(tfl_builder *b, int32_t sg, int32_t t, char *err, size_t errlen) {
  SubgraphRec *s = subgraph_at(b, sg, err, errlen);
  if (!s) return nullptr;
  if (t < 0 || static_cast<size_t>(t) >= s->tensors.size()) {
    set_error(err, errlen, "subgraph %d: tensor index %d out of range (%zu tensors)", sg, t, s->tensors.size());
    return nullptr;
  }
  return &s->tensors[static_cast<size_t>(t)];
}

bool int8_value(int32_t v, int8_t *out, const char *what, char *err, size_t errlen) {
  if (v < -128 || v > 127) {
    set_error(err, errlen, "%s %d out of range", what, v);
    return false;
  }
  *out = static_cast<int8_t>(v);
  return true;
}

size_t sparse_elem_size(int32_t type) {
  switch (type) {
    case TFL_SPARSE_INDEX_INT32: return 4;
    case TFL_SPARSE_INDEX_UINT16: return 2;
    case TFL_SPARSE_INDEX_UINT8: return 1;
    default: return 0;
  }
}

// Rebuilds an options table from the generic field list.
bool build_options(tfl_builder *b, int which, int32_t type, const tfl_option_field *fields, size_t n,
                   Offset<void> *out, std::vector<SubgraphRef> *refs, char *err, size_t errlen) {
  const char *uname = which == 1 ? "builtin_options" : "builtin_options_2";
  if (type == 0) {
    if (n > 0) {
      set_error(err, errlen, "%zu %s fields given but the options type is NONE", n, uname);
      return false;
    }
    return true;
  }
  const OptionsTable *t = options_table(which, type);
  if (!t) {
    set_error(err, errlen, "unknown %s type %d", uname, type);
    return false;
  }
  if (n > 0 && !fields) {
    set_error(err, errlen, "%s: fields is NULL", t->name);
    return false;
  }
  const tfl_option_field *slots[TFL_MAX_OPTION_FIELDS] = {};
  for (size_t i = 0; i < n; i++) {
    const tfl_option_field &f = fields[i];
    size_t j = 0;
    while (j < t->field_count && !(f.name && std::strcmp(f.name, t->fields[j].name) == 0)) j++;
    if (j == t->field_count) {
      set_error(err, errlen, "%s has no field '%s'", t->name, f.name ? f.name : "(null)");
      return false;
    }
    if (slots[j]) {
      set_error(err, errlen, "%s field '%s' given twice", t->name, f.name);
      return false;
    }
    const int32_t want = t->fields[j].kind;
    const bool integral = f.kind == TFL_FIELD_BOOL || f.kind == TFL_FIELD_INT || f.kind == TFL_FIELD_ENUM;
    const bool compatible = want == TFL_FIELD_FLOAT    ? (f.kind == TFL_FIELD_FLOAT || f.kind == TFL_FIELD_INT)
                            : want == TFL_FIELD_STRING ? f.kind == TFL_FIELD_STRING
                            : want == TFL_FIELD_VECTOR ? f.kind == TFL_FIELD_VECTOR
                                                       : integral;
    if (!compatible) {
      set_error(err, errlen, "%s field '%s': value kind %d does not fit the schema field kind %d", t->name, f.name,
                (int)f.kind, (int)want);
      return false;
    }
    slots[j] = &f;
    if (!t->fields[j].is_subgraph_index) continue;
    if (f.kind != TFL_FIELD_VECTOR) {
      refs->push_back({t->fields[j].name, f.int_value});
    } else if (f.present && f.vector_data) {
      for (size_t k = 0; k < f.vector_count; k++) {
        int64_t v;
        switch (f.scalar_type) {
          case TFL_SCALAR_INT32: v = static_cast<const int32_t *>(f.vector_data)[k]; break;
          case TFL_SCALAR_UINT32: v = static_cast<const uint32_t *>(f.vector_data)[k]; break;
          case TFL_SCALAR_INT64: v = static_cast<const int64_t *>(f.vector_data)[k]; break;
          default: v = 0; break;  // other element types are rejected/converted by the table builder
        }
        refs->push_back({t->fields[j].name, v});
      }
    }
  }
  if (!b->room(4096, err, errlen)) return false;
  BuildCtx ctx(b->fbb, t->name, err, errlen);
  return t->build(ctx, slots, out);
}

}  // namespace

extern "C" {

tfl_builder *tfl_builder_create(uint32_t flags, char *err, size_t errlen) {
  if (flags & ~TFL_BUILDER_EXTERNAL_BUFFERS) {
    set_error(err, errlen, "unknown builder flags 0x%x", flags);
    return nullptr;
  }
  tfl_builder *b = new (std::nothrow) tfl_builder;
  if (!b) {
    set_error(err, errlen, "out of memory");
    return nullptr;
  }
  b->external = (flags & TFL_BUILDER_EXTERNAL_BUFFERS) != 0;
  return b;
}

int tfl_builder_reserve(tfl_builder *b, uint64_t bytes, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (b->fbb.GetSize() != 0) return set_error(err, errlen, "reserve must come before anything is added"), -1;
  if (bytes >= FLATBUFFERS_MAX_BUFFER_SIZE) return 0;  // the inline size limit is reported when data is added
  TFL_TRY
  b->fbb = flatbuffers::FlatBufferBuilder(static_cast<size_t>(bytes < (1 << 16) ? (1 << 16) : bytes));
  return 0;
  TFL_CATCH(-1)
}

void tfl_builder_free(tfl_builder *b) { delete b; }

int tfl_builder_set_model_info(tfl_builder *b, uint32_t version, const char *description,
                               const int32_t *metadata_buffer, size_t metadata_buffer_count, char *err,
                               size_t errlen) {
  if (!check_open(b, err, errlen)) return TFL_ERROR;
  TFL_TRY
  Opt<int32_t> mb;
  if (!copy_in(&mb, metadata_buffer, metadata_buffer_count, "metadata_buffer", err, errlen)) return TFL_ERROR;
  b->version = version;
  b->description = str_in(description);
  b->metadata_buffer = std::move(mb);
  return TFL_OK;
  TFL_CATCH(TFL_ERROR)
}

int32_t tfl_builder_add_buffer(tfl_builder *b, const void *data, uint64_t size, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  TFL_TRY
  const size_t index = b->buffers.size();
  BufferRec r;
  if (b->external && size > 0) {
    r.external = true;
    r.size = size;
  } else if (data || size > 0) {
    if (!data) return set_error(err, errlen, "buffer %zu: data is NULL but size is %llu", index, (unsigned long long)size), -1;
    if (!b->room(size + 16, err, errlen)) return prefix_error(err, errlen, "buffer %zu (%llu bytes)", index, (unsigned long long)size), -1;
    b->fbb.ForceVectorAlignment(static_cast<size_t>(size), 1, 16);
    r.data = b->fbb.CreateVector(static_cast<const uint8_t *>(data), static_cast<size_t>(size));
    r.has_data = true;
  }
  b->buffers.push_back(r);
  return static_cast<int32_t>(index);
  TFL_CATCH(-1)
}

int32_t tfl_builder_add_operator_code(tfl_builder *b, const tfl_operator_code *code, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (!code) return set_error(err, errlen, "operator code is NULL"), -1;
  TFL_TRY
  const size_t index = b->codes.size();
  if (code->builtin_code < 0)
    return set_error(err, errlen, "operator code %zu: builtin code %d is negative", index, code->builtin_code), -1;
  CodeRec r;
  r.code = code->builtin_code;
  r.custom_code = str_in(code->custom_code);
  r.version = code->version;
  b->codes.push_back(std::move(r));
  return static_cast<int32_t>(index);
  TFL_CATCH(-1)
}

int32_t tfl_builder_add_subgraph(tfl_builder *b, const tfl_subgraph *subgraph, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (!subgraph) return set_error(err, errlen, "subgraph is NULL"), -1;
  TFL_TRY
  const size_t index = b->subgraphs.size();
  SubgraphRec r;
  Opt<int32_t> in, out;
  if (!copy_in(&in, subgraph->inputs, subgraph->input_count, "inputs", err, errlen) ||
      !copy_in(&out, subgraph->outputs, subgraph->output_count, "outputs", err, errlen))
    return prefix_error(err, errlen, "subgraph %zu", index), -1;
  r.name = str_in(subgraph->name);
  r.inputs = std::move(in.v);
  r.outputs = std::move(out.v);
  r.debug_metadata_index = subgraph->debug_metadata_index;
  b->subgraphs.push_back(std::move(r));
  return static_cast<int32_t>(index);
  TFL_CATCH(-1)
}

int tfl_builder_set_subgraph_io(tfl_builder *b, int32_t subgraph, const int32_t *inputs, size_t input_count,
                                const int32_t *outputs, size_t output_count, char *err, size_t errlen) {
  SubgraphRec *sg = subgraph_at(b, subgraph, err, errlen);
  if (!sg) return TFL_ERROR;
  TFL_TRY
  Opt<int32_t> in, out;
  if (!copy_in(&in, inputs, input_count, "inputs", err, errlen) ||
      !copy_in(&out, outputs, output_count, "outputs", err, errlen))
    return prefix_error(err, errlen, "subgraph %d", subgraph), TFL_ERROR;
  sg->inputs = std::move(in.v);
  sg->outputs = std::move(out.v);
  return TFL_OK;
  TFL_CATCH(TFL_ERROR)
}

int32_t tfl_builder_add_tensor(tfl_builder *b, int32_t subgraph, const tfl_tensor *t, char *err, size_t errlen) {
  SubgraphRec *sg = subgraph_at(b, subgraph, err, errlen);
  if (!sg) return -1;
  if (!t) return set_error(err, errlen, "tensor is NULL"), -1;
  TFL_TRY
  const size_t index = sg->tensors.size();
  TensorRec r;
  bool ok = int8_value(t->type, &r.type, "tensor type", err, errlen) &&
            copy_in(&r.shape, t->shape, t->shape_count, "shape", err, errlen) &&
            copy_in(&r.shape_signature, t->shape_signature, t->shape_signature_count, "shape_signature", err, errlen);
  if (ok && t->has_quantization) {
    r.has_quant = true;
    r.q_dim = t->q_quantized_dimension;
    r.q_details_type = static_cast<uint8_t>(t->q_details_type);  // validated below
    r.q_scales = t->q_details_scales, r.q_zero_points = t->q_details_zero_points;
    r.q_block_size = t->q_details_block_size;
    ok = copy_in(&r.q_scale, t->q_scale, t->q_scale_count, "q_scale", err, errlen) &&
         copy_in(&r.q_zero_point, t->q_zero_point, t->q_zero_point_count, "q_zero_point", err, errlen) &&
         copy_in(&r.q_min, t->q_min, t->q_min_count, "q_min", err, errlen) &&
         copy_in(&r.q_max, t->q_max, t->q_max_count, "q_max", err, errlen);
    if (ok && t->q_details_type == TFL_QDETAILS_CUSTOM)
      ok = copy_in(&r.q_custom, t->q_custom, t->q_custom_size, "q_custom", err, errlen);
    else if (ok && (t->q_details_type == TFL_QDETAILS_BLOCKWISE || t->q_details_type == TFL_QDETAILS_MULTI_AXIS))
      ok = copy_in(&r.q_dims, t->q_details_dims, t->q_details_dims_count, "q_details_dims", err, errlen);
    else if (ok && t->q_details_type != TFL_QDETAILS_NONE)
      ok = (set_error(err, errlen, "unknown quantization details type %d", t->q_details_type), false);
  }
  if (!ok) return prefix_error(err, errlen, "subgraph %d, tensor %zu", subgraph, index), -1;
  r.name = str_in(t->name);
  r.buffer = t->buffer;
  r.external_buffer = t->external_buffer;
  r.is_variable = t->is_variable != 0;
  r.has_rank = t->has_rank != 0;
  sg->tensors.push_back(std::move(r));
  return static_cast<int32_t>(index);
  TFL_CATCH(-1)
}

int tfl_builder_set_tensor_sparsity(tfl_builder *b, int32_t subgraph, int32_t tensor, const tfl_sparsity *sparsity,
                                    const tfl_dim_metadata *dims, size_t dim_count, char *err, size_t errlen) {
  TensorRec *t = tensor_at(b, subgraph, tensor, err, errlen);
  if (!t) return TFL_ERROR;
  if (!sparsity || (dim_count > 0 && !dims)) return set_error(err, errlen, "sparsity or dims is NULL"), TFL_ERROR;
  TFL_TRY
  TensorRec tmp;
  bool ok = copy_in(&tmp.traversal_order, sparsity->traversal_order, sparsity->traversal_order_count,
                    "traversal_order", err, errlen) &&
            copy_in(&tmp.block_map, sparsity->block_map, sparsity->block_map_count, "block_map", err, errlen);
  for (size_t i = 0; ok && i < dim_count; i++) {
    const tfl_dim_metadata &d = dims[i];
    DimRec r;
    r.dense_size = d.dense_size;
    r.seg_type = static_cast<uint8_t>(d.segments_type), r.idx_type = static_cast<uint8_t>(d.indices_type);  // validated below
    r.seg_count = d.segments_count, r.idx_count = d.indices_count;
    const size_t seg_elem = sparse_elem_size(d.segments_type), idx_elem = sparse_elem_size(d.indices_type);
    ok = int8_value(d.format, &r.format, "format", err, errlen);
    if (ok && ((d.segments_type && !seg_elem) || (d.indices_type && !idx_elem)))
      ok = (set_error(err, errlen, "unknown sparse index vector type"), false);
    if (ok && d.segments_type)
      ok = copy_in(&r.seg, static_cast<const uint8_t *>(d.segments), d.segments_count * seg_elem, "segments", err, errlen);
    if (ok && d.indices_type)
      ok = copy_in(&r.idx, static_cast<const uint8_t *>(d.indices), d.indices_count * idx_elem, "indices", err, errlen);
    if (!ok) prefix_error(err, errlen, "dim metadata %zu", i);
    tmp.dims.push_back(std::move(r));
  }
  if (!ok) return prefix_error(err, errlen, "subgraph %d, tensor %d: sparsity", subgraph, tensor), TFL_ERROR;
  t->has_sparsity = true;
  t->traversal_order = std::move(tmp.traversal_order);
  t->block_map = std::move(tmp.block_map);
  t->dims = std::move(tmp.dims);
  return TFL_OK;
  TFL_CATCH(TFL_ERROR)
}

int tfl_builder_add_tensor_variant(tfl_builder *b, int32_t subgraph, int32_t tensor,
                                   const tfl_variant_subtype *variant, char *err, size_t errlen) {
  TensorRec *t = tensor_at(b, subgraph, tensor, err, errlen);
  if (!t) return TFL_ERROR;
  if (!variant) return set_error(err, errlen, "variant is NULL"), TFL_ERROR;
  TFL_TRY
  VariantRec r;
  r.has_rank = variant->has_rank != 0;
  if (!int8_value(variant->type, &r.type, "variant type", err, errlen) ||
      !copy_in(&r.shape, variant->shape, variant->shape_count, "variant shape", err, errlen))
    return prefix_error(err, errlen, "subgraph %d, tensor %d", subgraph, tensor), TFL_ERROR;
  t->variants.push_back(std::move(r));
  return TFL_OK;
  TFL_CATCH(TFL_ERROR)
}

int32_t tfl_builder_add_operator(tfl_builder *b, int32_t subgraph, const tfl_operator *op,
                                 const tfl_option_field *options, size_t option_count,
                                 const tfl_option_field *options_2, size_t option_2_count, char *err, size_t errlen) {
  SubgraphRec *sg = subgraph_at(b, subgraph, err, errlen);
  if (!sg) return -1;
  if (!op) return set_error(err, errlen, "operator is NULL"), -1;
  TFL_TRY
  const size_t index = sg->ops.size();
  OperatorRec r;
  Opt<int32_t> in, out;
  bool ok = copy_in(&in, op->inputs, op->input_count, "inputs", err, errlen) &&
            copy_in(&out, op->outputs, op->output_count, "outputs", err, errlen) &&
            copy_in(&r.intermediates, op->intermediates, op->intermediate_count, "intermediates", err, errlen) &&
            copy_in(&r.mutating, op->mutating_variable_inputs, op->mutating_variable_input_count,
                    "mutating_variable_inputs", err, errlen) &&
            int8_value(op->custom_options_format, &r.custom_format, "custom_options_format", err, errlen);
  if (ok && !op->custom_options && op->custom_options_size > 0)
    ok = (set_error(err, errlen, "custom_options is NULL but its size is %zu", op->custom_options_size), false);
  if (ok) ok = build_options(b, 1, op->builtin_options_type, options, option_count, &r.opt1, &r.subgraph_refs, err, errlen);
  if (ok) ok = build_options(b, 2, op->builtin_options_2_type, options_2, option_2_count, &r.opt2, &r.subgraph_refs, err, errlen);
  if (ok && op->custom_options) {
    ok = b->room(op->custom_options_size + 16, err, errlen);
    if (ok) r.custom = b->fbb.CreateVector(op->custom_options, op->custom_options_size);
  }
  if (!ok) return prefix_error(err, errlen, "subgraph %d, operator %zu", subgraph, index), -1;
  r.opcode_index = op->opcode_index;
  r.inputs = std::move(in.v);
  r.outputs = std::move(out.v);
  r.opt1_type = static_cast<uint8_t>(op->builtin_options_type);  // validated by build_options
  r.opt2_type = static_cast<uint8_t>(op->builtin_options_2_type);
  r.large_offset = op->large_custom_options_offset;
  r.large_size = op->large_custom_options_size;
  r.debug_metadata_index = op->debug_metadata_index;
  sg->ops.push_back(std::move(r));
  return static_cast<int32_t>(index);
  TFL_CATCH(-1)
}

int32_t tfl_builder_add_signature_def(tfl_builder *b, const char *signature_key, uint32_t subgraph_index,
                                      const tfl_tensor_map *inputs, size_t input_count,
                                      const tfl_tensor_map *outputs, size_t output_count, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if ((input_count && !inputs) || (output_count && !outputs))
    return set_error(err, errlen, "signature def %zu: inputs or outputs is NULL", b->signatures.size()), -1;
  TFL_TRY
  SignatureRec r;
  r.key = str_in(signature_key);
  r.subgraph = subgraph_index;
  for (size_t i = 0; i < input_count; i++) r.inputs.emplace_back(str_in(inputs[i].name), inputs[i].tensor_index);
  for (size_t i = 0; i < output_count; i++) r.outputs.emplace_back(str_in(outputs[i].name), outputs[i].tensor_index);
  b->signatures.push_back(std::move(r));
  return static_cast<int32_t>(b->signatures.size() - 1);
  TFL_CATCH(-1)
}

int32_t tfl_builder_add_metadata(tfl_builder *b, const char *name, uint32_t buffer, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  TFL_TRY
  b->metadata.emplace_back(str_in(name), buffer);
  return static_cast<int32_t>(b->metadata.size() - 1);
  TFL_CATCH(-1)
}

int32_t tfl_builder_add_external_buffer_group(tfl_builder *b, const char *name, char *err, size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  TFL_TRY
  b->ext_groups.push_back(str_in(name));
  return static_cast<int32_t>(b->ext_groups.size() - 1);
  TFL_CATCH(-1)
}

int32_t tfl_builder_add_external_buffer(tfl_builder *b, const tfl_external_buffer *buffer, char *err,
                                        size_t errlen) {
  if (!check_open(b, err, errlen)) return -1;
  if (!buffer) return set_error(err, errlen, "external buffer is NULL"), -1;
  TFL_TRY
  ExtBufferRec r;
  r.id = buffer->id, r.group = buffer->group, r.offset = buffer->offset, r.length = buffer->length;
  r.packing = str_in(buffer->packing);
  b->ext_buffers.push_back(std::move(r));
  return static_cast<int32_t>(b->ext_buffers.size() - 1);
  TFL_CATCH(-1)
}

}  // extern "C"
