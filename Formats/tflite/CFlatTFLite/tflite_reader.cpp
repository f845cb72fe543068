// Reading side of the TFLite C facade: model handle and accessors returning
// plain C structs. Every accessor assumes a verified buffer (tfl_model_open
// runs tfl_verify, see tflite_verify.cpp) and bounds-checks every index it
// follows.
#include <new>

#include "tflite_internal.h"

using namespace tfl_detail;

namespace {

bool check_index(int64_t value, size_t count, bool allow_minus_one, const char *what, char *err, size_t errlen) {
  if ((allow_minus_one && value == -1) || (value >= 0 && static_cast<uint64_t>(value) < count)) return true;
  set_error(err, errlen, "%s %lld out of range (%zu)", what, static_cast<long long>(value), count);
  return false;
}

template <typename T> size_t vsize(const flatbuffers::Vector<T> *v) { return v ? v->size() : 0; }
template <typename T> const T *vdata(const flatbuffers::Vector<T> *v) { return v ? v->data() : nullptr; }

// Checks a list of tensor indices (-1 = omitted, as TFLite allows).
bool check_tensor_list(const flatbuffers::Vector<int32_t> *list, size_t tensor_count, const char *list_name,
                       char *err, size_t errlen) {
  if (!list) return true;
  for (flatbuffers::uoffset_t i = 0; i < list->size(); i++) {
    int32_t t = list->Get(i);
    if (t == -1 || (t >= 0 && static_cast<size_t>(t) < tensor_count)) continue;
    set_error(err, errlen, "%s %u: tensor index %d out of range (%zu tensors)", list_name, i, t, tensor_count);
    return false;
  }
  return true;
}

bool check_model(const tfl_model *model, char *err, size_t errlen) {
  if (model && model->model) return true;
  set_error(err, errlen, "model handle is NULL");
  return false;
}

const tflite::SubGraph *get_subgraph(const tfl_model *m, size_t index, char *err, size_t errlen) {
  if (!check_model(m, err, errlen)) return nullptr;
  auto sgs = m->model->subgraphs();
  if (index >= vsize(sgs)) {
    set_error(err, errlen, "subgraph index %zu out of range (%zu subgraphs)", index, vsize(sgs));
    return nullptr;
  }
  return sgs->Get(static_cast<flatbuffers::uoffset_t>(index));
}

const tflite::Tensor *get_tensor(const tfl_model *m, size_t sg_index, size_t index, char *err, size_t errlen) {
  auto sg = get_subgraph(m, sg_index, err, errlen);
  if (!sg) return nullptr;
  if (index >= vsize(sg->tensors())) {
    set_error(err, errlen, "subgraph %zu: tensor index %zu out of range (%zu tensors)", sg_index, index,
              vsize(sg->tensors()));
    return nullptr;
  }
  return sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(index));
}

const tflite::Operator *get_operator(const tfl_model *m, size_t sg_index, size_t index, char *err, size_t errlen) {
  auto sg = get_subgraph(m, sg_index, err, errlen);
  if (!sg) return nullptr;
  if (index >= vsize(sg->operators())) {
    set_error(err, errlen, "subgraph %zu: operator index %zu out of range (%zu operators)", sg_index, index,
              vsize(sg->operators()));
    return nullptr;
  }
  return sg->operators()->Get(static_cast<flatbuffers::uoffset_t>(index));
}

// Bytes [offset, offset + size) of the file, or NULL when outside it.
const uint8_t *file_range(const tfl_model *m, uint64_t offset, uint64_t size) {
  if (offset > m->len || size > m->len - offset) return nullptr;
  return m->data + offset;
}

void sparse_index_vector(uint8_t type, const void *table, int32_t *out_type, const void **out_data,
                         size_t *out_count) {
  *out_type = type;
  *out_data = nullptr;
  *out_count = 0;
  if (!table) return;
  switch (type) {
    case tflite::SparseIndexVector_Int32Vector: {
      auto v = static_cast<const tflite::Int32Vector *>(table)->values();
      *out_data = vdata(v), *out_count = vsize(v);
      break;
    }
    case tflite::SparseIndexVector_Uint16Vector: {
      auto v = static_cast<const tflite::Uint16Vector *>(table)->values();
      *out_data = vdata(v), *out_count = vsize(v);
      break;
    }
    case tflite::SparseIndexVector_Uint8Vector: {
      auto v = static_cast<const tflite::Uint8Vector *>(table)->values();
      *out_data = vdata(v), *out_count = vsize(v);
      break;
    }
    default: break;
  }
}

}  // namespace

extern "C" {

tfl_model *tfl_model_open(const uint8_t *data, size_t len, char *err, size_t errlen) {
  size_t fb_size = 0;
  if (verify_model(data, len, &fb_size, err, errlen) != TFL_OK) return nullptr;
  if (reinterpret_cast<uintptr_t>(data) % TFL_DATA_ALIGNMENT != 0) {
    set_error(err, errlen, "model bytes must be %d-byte aligned", TFL_DATA_ALIGNMENT);
    return nullptr;
  }
  tfl_model *m = new (std::nothrow) tfl_model;
  if (!m) {
    set_error(err, errlen, "out of memory");
    return nullptr;
  }
  m->data = data;
  m->len = len;
  m->model = tflite::GetModel(data);
  m->flatbuffer_size = fb_size;
  // Offset-addressed data (> 2 GiB layout) also belongs to the model; what
  // follows is trailing data such as appended zip archives of associated files.
  uint64_t end = fb_size;
  auto extend = [&](uint64_t offset, uint64_t size) {
    if (offset > 1 && offset <= len && size <= len - offset && offset + size > end) end = offset + size;
  };
  if (auto bufs = m->model->buffers())
    for (auto b : *bufs) extend(b->offset(), b->size());
  if (auto sgs = m->model->subgraphs())
    for (auto sg : *sgs)
      if (auto ops = sg->operators())
        for (auto op : *ops) extend(op->large_custom_options_offset(), op->large_custom_options_size());
  m->data_end = static_cast<size_t>(end);
  return m;
}

void tfl_model_close(tfl_model *model) { delete model; }

int tfl_model_get_info(const tfl_model *model, tfl_model_info *out, char *err, size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return TFL_ERROR;
  const tflite::Model *m = model->model;
  std::memset(out, 0, sizeof(*out));
  out->version = m->version();
  out->description = m->description() ? m->description()->c_str() : nullptr;
  out->operator_code_count = vsize(m->operator_codes());
  out->subgraph_count = vsize(m->subgraphs());
  out->buffer_count = vsize(m->buffers());
  out->metadata_count = vsize(m->metadata());
  out->signature_def_count = vsize(m->signature_defs());
  out->external_buffer_group_count = vsize(m->external_buffer_groups());
  out->external_buffer_count = vsize(m->external_buffers());
  out->metadata_buffer = vdata(m->metadata_buffer());
  out->metadata_buffer_count = vsize(m->metadata_buffer());
  out->flatbuffer_size = model->flatbuffer_size;
  if (model->data_end < model->len) {
    out->trailing_data = model->data + model->data_end;
    out->trailing_size = model->len - model->data_end;
  }
  for (size_t i = 0; i < out->metadata_buffer_count; i++) {
    if (!check_index(out->metadata_buffer[i], out->buffer_count, false, "buffer index", err, errlen)) {
      prefix_error(err, errlen, "model metadata_buffer entry %zu", i);
      return TFL_ERROR;
    }
  }
  return TFL_OK;
}

int tfl_model_operator_code(const tfl_model *model, size_t index, tfl_operator_code *out, char *err, size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return TFL_ERROR;
  auto codes = model->model->operator_codes();
  if (index >= vsize(codes)) {
    set_error(err, errlen, "operator code index %zu out of range (%zu codes)", index, vsize(codes));
    return TFL_ERROR;
  }
  auto c = codes->Get(static_cast<flatbuffers::uoffset_t>(index));
  int32_t deprecated = c->deprecated_builtin_code();
  int32_t code = static_cast<int32_t>(c->builtin_code());
  out->builtin_code = deprecated > code ? deprecated : code;
  out->custom_code = c->custom_code() ? c->custom_code()->c_str() : nullptr;
  out->version = c->version();
  return TFL_OK;
}

int tfl_model_subgraph(const tfl_model *model, size_t subgraph, tfl_subgraph *out, char *err, size_t errlen) {
  auto sg = get_subgraph(model, subgraph, err, errlen);
  if (!sg || !out) return TFL_ERROR;
  std::memset(out, 0, sizeof(*out));
  out->name = sg->name() ? sg->name()->c_str() : nullptr;
  out->tensor_count = vsize(sg->tensors());
  out->operator_count = vsize(sg->operators());
  out->inputs = vdata(sg->inputs());
  out->input_count = vsize(sg->inputs());
  out->outputs = vdata(sg->outputs());
  out->output_count = vsize(sg->outputs());
  out->debug_metadata_index = sg->debug_metadata_index();
  if (!check_tensor_list(sg->inputs(), out->tensor_count, "input", err, errlen) ||
      !check_tensor_list(sg->outputs(), out->tensor_count, "output", err, errlen)) {
    prefix_error(err, errlen, "subgraph %zu", subgraph);
    return TFL_ERROR;
  }
  return TFL_OK;
}

int tfl_model_tensor(const tfl_model *model, size_t subgraph, size_t tensor, tfl_tensor *out, char *err,
                     size_t errlen) {
  auto t = get_tensor(model, subgraph, tensor, err, errlen);
  if (!t || !out) return TFL_ERROR;
  const size_t tensor_count = vsize(get_subgraph(model, subgraph, nullptr, 0)->tensors());
  std::memset(out, 0, sizeof(*out));
  out->name = t->name() ? t->name()->c_str() : nullptr;
  out->type = static_cast<int32_t>(t->type());
  out->buffer = t->buffer();
  out->shape = vdata(t->shape());
  out->shape_count = vsize(t->shape());
  out->shape_signature = vdata(t->shape_signature());
  out->shape_signature_count = vsize(t->shape_signature());
  out->is_variable = t->is_variable();
  out->has_rank = t->has_rank();
  out->has_sparsity = t->sparsity() != nullptr;
  out->external_buffer = t->external_buffer();
  out->variant_count = vsize(t->variant_tensors());
  const size_t buffer_count = vsize(model->model->buffers());
  if (out->buffer >= buffer_count) {
    set_error(err, errlen, "subgraph %zu, tensor %zu: buffer index %u out of range (%zu buffers)", subgraph, tensor,
              out->buffer, buffer_count);
    return TFL_ERROR;
  }
  if (auto q = t->quantization()) {
    out->has_quantization = 1;
    out->q_scale = vdata(q->scale()), out->q_scale_count = vsize(q->scale());
    out->q_zero_point = vdata(q->zero_point()), out->q_zero_point_count = vsize(q->zero_point());
    out->q_min = vdata(q->min()), out->q_min_count = vsize(q->min());
    out->q_max = vdata(q->max()), out->q_max_count = vsize(q->max());
    out->q_quantized_dimension = q->quantized_dimension();
    out->q_details_type = static_cast<uint8_t>(q->details_type());
    if (out->q_details_type > tflite::QuantizationDetails_MAX) {
      set_error(err, errlen, "subgraph %zu, tensor %zu: unknown quantization details type %d", subgraph, tensor,
                out->q_details_type);
      return TFL_ERROR;
    }
    const flatbuffers::Vector<int32_t> *dims = nullptr;
    if (auto c = q->details_as_CustomQuantization()) {
      out->q_custom = vdata(c->custom()), out->q_custom_size = vsize(c->custom());
    } else if (auto b = q->details_as_BlockwiseQuantization()) {
      out->q_details_scales = b->scales(), out->q_details_zero_points = b->zero_points();
      out->q_details_block_size = b->block_size();
      dims = b->block_shape();
    } else if (auto a = q->details_as_MultiAxisQuantization()) {
      out->q_details_scales = a->scales(), out->q_details_zero_points = a->zero_points();
      out->q_details_block_size = a->block_size();
      dims = a->quantized_dimensions();
    }
    out->q_details_dims = vdata(dims), out->q_details_dims_count = vsize(dims);
    if (out->q_details_type == TFL_QDETAILS_BLOCKWISE || out->q_details_type == TFL_QDETAILS_MULTI_AXIS) {
      if (!check_index(out->q_details_scales, tensor_count, true, "scales tensor index", err, errlen) ||
          !check_index(out->q_details_zero_points, tensor_count, true, "zero_points tensor index", err, errlen)) {
        prefix_error(err, errlen, "subgraph %zu, tensor %zu: quantization details", subgraph, tensor);
        return TFL_ERROR;
      }
    }
  }
  return TFL_OK;
}

int tfl_tensor_sparsity(const tfl_model *model, size_t subgraph, size_t tensor, tfl_sparsity *out, char *err,
                        size_t errlen) {
  auto t = get_tensor(model, subgraph, tensor, err, errlen);
  if (!t || !out) return TFL_ERROR;
  auto s = t->sparsity();
  if (!s) {
    set_error(err, errlen, "subgraph %zu, tensor %zu: tensor has no sparsity parameters", subgraph, tensor);
    return TFL_ERROR;
  }
  std::memset(out, 0, sizeof(*out));
  out->traversal_order = vdata(s->traversal_order()), out->traversal_order_count = vsize(s->traversal_order());
  out->block_map = vdata(s->block_map()), out->block_map_count = vsize(s->block_map());
  out->dim_metadata_count = vsize(s->dim_metadata());
  return TFL_OK;
}

int tfl_tensor_dim_metadata(const tfl_model *model, size_t subgraph, size_t tensor, size_t dim,
                            tfl_dim_metadata *out, char *err, size_t errlen) {
  auto t = get_tensor(model, subgraph, tensor, err, errlen);
  if (!t || !out) return TFL_ERROR;
  auto s = t->sparsity();
  if (!s || dim >= vsize(s->dim_metadata())) {
    set_error(err, errlen, "subgraph %zu, tensor %zu: dim metadata index %zu out of range (%zu)", subgraph, tensor,
              dim, s ? vsize(s->dim_metadata()) : 0);
    return TFL_ERROR;
  }
  auto d = s->dim_metadata()->Get(static_cast<flatbuffers::uoffset_t>(dim));
  std::memset(out, 0, sizeof(*out));
  out->format = static_cast<int32_t>(d->format());
  out->dense_size = d->dense_size();
  sparse_index_vector(d->array_segments_type(), d->array_segments(), &out->segments_type, &out->segments,
                      &out->segments_count);
  sparse_index_vector(d->array_indices_type(), d->array_indices(), &out->indices_type, &out->indices,
                      &out->indices_count);
  if (out->segments_type > tflite::SparseIndexVector_MAX || out->indices_type > tflite::SparseIndexVector_MAX) {
    set_error(err, errlen, "subgraph %zu, tensor %zu, dim metadata %zu: unknown sparse index vector type", subgraph,
              tensor, dim);
    return TFL_ERROR;
  }
  return TFL_OK;
}

int tfl_tensor_variant(const tfl_model *model, size_t subgraph, size_t tensor, size_t index,
                       tfl_variant_subtype *out, char *err, size_t errlen) {
  auto t = get_tensor(model, subgraph, tensor, err, errlen);
  if (!t || !out) return TFL_ERROR;
  auto vs = t->variant_tensors();
  if (index >= vsize(vs)) {
    set_error(err, errlen, "subgraph %zu, tensor %zu: variant index %zu out of range (%zu)", subgraph, tensor, index,
              vsize(vs));
    return TFL_ERROR;
  }
  auto v = vs->Get(static_cast<flatbuffers::uoffset_t>(index));
  std::memset(out, 0, sizeof(*out));
  out->shape = vdata(v->shape()), out->shape_count = vsize(v->shape());
  out->type = static_cast<int32_t>(v->type());
  out->has_rank = v->has_rank();
  return TFL_OK;
}

int tfl_model_buffer(const tfl_model *model, size_t index, tfl_buffer *out, char *err, size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return TFL_ERROR;
  auto bufs = model->model->buffers();
  if (index >= vsize(bufs)) {
    set_error(err, errlen, "buffer index %zu out of range (%zu buffers)", index, vsize(bufs));
    return TFL_ERROR;
  }
  auto b = bufs->Get(static_cast<flatbuffers::uoffset_t>(index));
  std::memset(out, 0, sizeof(*out));
  out->offset = b->offset();
  out->offset_size = b->size();
  out->has_data_vector = b->data() != nullptr;
  // Same precedence as the TFLite interpreter: a non-empty inline vector,
  // else offset/size data.
  if (b->data() && b->data()->size() > 0) {
    out->data = b->data()->data();
    out->size = b->data()->size();
  } else if (out->offset > 1) {
    out->is_external = 1;
    out->size = out->offset_size;
    out->data = file_range(model, out->offset, out->offset_size);
    if (!out->data) {
      set_error(err, errlen, "buffer %zu: external data [%llu, +%llu) lies outside the file (%zu bytes)", index,
                static_cast<unsigned long long>(out->offset), static_cast<unsigned long long>(out->offset_size),
                model->len);
      return TFL_ERROR;
    }
  } else if (b->data()) {
    out->data = b->data()->data();  // present but empty
  }
  return TFL_OK;
}

int tfl_model_operator(const tfl_model *model, size_t subgraph, size_t op, tfl_operator *out, char *err,
                       size_t errlen) {
  auto o = get_operator(model, subgraph, op, err, errlen);
  if (!o || !out) return TFL_ERROR;
  const size_t tensor_count = vsize(get_subgraph(model, subgraph, nullptr, 0)->tensors());
  const size_t code_count = vsize(model->model->operator_codes());
  std::memset(out, 0, sizeof(*out));
  out->opcode_index = o->opcode_index();
  out->inputs = vdata(o->inputs()), out->input_count = vsize(o->inputs());
  out->outputs = vdata(o->outputs()), out->output_count = vsize(o->outputs());
  out->intermediates = vdata(o->intermediates()), out->intermediate_count = vsize(o->intermediates());
  out->builtin_options_type = static_cast<uint8_t>(o->builtin_options_type());
  out->builtin_options_2_type = static_cast<uint8_t>(o->builtin_options_2_type());
  out->custom_options = vdata(o->custom_options()), out->custom_options_size = vsize(o->custom_options());
  out->custom_options_format = static_cast<int32_t>(o->custom_options_format());
  out->mutating_variable_inputs = vdata(o->mutating_variable_inputs());
  out->mutating_variable_input_count = vsize(o->mutating_variable_inputs());
  out->large_custom_options_offset = o->large_custom_options_offset();
  out->large_custom_options_size = o->large_custom_options_size();
  out->debug_metadata_index = o->debug_metadata_index();
  if (out->opcode_index >= code_count) {
    set_error(err, errlen, "subgraph %zu, operator %zu: operator code index %u out of range (%zu codes)", subgraph, op,
              out->opcode_index, code_count);
    return TFL_ERROR;
  }
  if (!check_tensor_list(o->inputs(), tensor_count, "input", err, errlen) ||
      !check_tensor_list(o->outputs(), tensor_count, "output", err, errlen) ||
      !check_tensor_list(o->intermediates(), tensor_count, "intermediate", err, errlen)) {
    prefix_error(err, errlen, "subgraph %zu, operator %zu", subgraph, op);
    return TFL_ERROR;
  }
  if (out->large_custom_options_offset > 1) {
    out->large_custom_options = file_range(model, out->large_custom_options_offset, out->large_custom_options_size);
    if (!out->large_custom_options) {
      set_error(err, errlen, "subgraph %zu, operator %zu: large custom options lie outside the file", subgraph, op);
      return TFL_ERROR;
    }
  }
  return TFL_OK;
}

int tfl_operator_options(const tfl_model *model, size_t subgraph, size_t op, int which, tfl_options_info *info,
                         tfl_option_field *fields, size_t capacity, char *err, size_t errlen) {
  auto o = get_operator(model, subgraph, op, err, errlen);
  if (!o || !info) return TFL_ERROR;
  std::memset(info, 0, sizeof(*info));
  const void *table = nullptr;
  if (which == 1) {
    info->type = static_cast<uint8_t>(o->builtin_options_type());
    table = o->builtin_options();
  } else if (which == 2) {
    info->type = static_cast<uint8_t>(o->builtin_options_2_type());
    table = o->builtin_options_2();
  } else {
    set_error(err, errlen, "options union must be 1 or 2, got %d", which);
    return TFL_ERROR;
  }
  info->table_present = table != nullptr;
  if (info->type == 0) return TFL_OK;
  const OptionsTable *desc = options_table(which, info->type);
  if (!desc) {
    set_error(err, errlen, "subgraph %zu, operator %zu: unknown %s type %d", subgraph, op,
              which == 1 ? "builtin_options" : "builtin_options_2", info->type);
    return TFL_ERROR;
  }
  info->type_name = desc->name;
  info->field_count = desc->field_count;
  if (!fields) return TFL_OK;
  if (capacity < desc->field_count) {
    set_error(err, errlen, "subgraph %zu, operator %zu: %s has %zu fields, capacity is %zu", subgraph, op, desc->name,
              desc->field_count, capacity);
    return TFL_ERROR;
  }
  for (size_t i = 0; i < desc->field_count; i++) field_from_desc(desc->fields[i], &fields[i]);
  if (table) desc->read(table, fields);
  // Subgraph references (WHILE, IF, CALL_ONCE, StableHLO regions, ...).
  const size_t sg_count = vsize(model->model->subgraphs());
  for (size_t i = 0; i < desc->field_count; i++) {
    const tfl_option_field &f = fields[i];
    if (!f.is_subgraph_index) continue;
    if (f.kind == TFL_FIELD_VECTOR) {
      const int32_t *v = static_cast<const int32_t *>(f.vector_data);  // only [int] index vectors exist
      for (size_t k = 0; f.scalar_type == TFL_SCALAR_INT32 && k < f.vector_count; k++) {
        if (v[k] < 0 || static_cast<size_t>(v[k]) >= sg_count) {
          set_error(err, errlen, "subgraph %zu, operator %zu: %s.%s[%zu]: subgraph index %d out of range (%zu subgraphs)",
                    subgraph, op, desc->name, f.name, k, v[k], sg_count);
          return TFL_ERROR;
        }
      }
    } else if (f.int_value < 0 || static_cast<uint64_t>(f.int_value) >= sg_count) {
      set_error(err, errlen, "subgraph %zu, operator %zu: %s.%s: subgraph index %lld out of range (%zu subgraphs)",
                subgraph, op, desc->name, f.name, static_cast<long long>(f.int_value), sg_count);
      return TFL_ERROR;
    }
  }
  return TFL_OK;
}

int tfl_model_signature_def(const tfl_model *model, size_t index, tfl_signature_def *out, char *err, size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return TFL_ERROR;
  auto defs = model->model->signature_defs();
  if (index >= vsize(defs)) {
    set_error(err, errlen, "signature def index %zu out of range (%zu)", index, vsize(defs));
    return TFL_ERROR;
  }
  auto d = defs->Get(static_cast<flatbuffers::uoffset_t>(index));
  std::memset(out, 0, sizeof(*out));
  out->signature_key = d->signature_key() ? d->signature_key()->c_str() : nullptr;
  out->subgraph_index = d->subgraph_index();
  out->input_count = vsize(d->inputs());
  out->output_count = vsize(d->outputs());
  const size_t sg_count = vsize(model->model->subgraphs());
  if (out->subgraph_index >= sg_count) {
    set_error(err, errlen, "signature def %zu: subgraph index %u out of range (%zu subgraphs)", index,
              out->subgraph_index, sg_count);
    return TFL_ERROR;
  }
  return TFL_OK;
}

int tfl_model_signature_tensor(const tfl_model *model, size_t index, int is_output, size_t entry, tfl_tensor_map *out,
                               char *err, size_t errlen) {
  tfl_signature_def def;
  if (tfl_model_signature_def(model, index, &def, err, errlen) != TFL_OK || !out) return TFL_ERROR;
  auto d = model->model->signature_defs()->Get(static_cast<flatbuffers::uoffset_t>(index));
  auto list = is_output ? d->outputs() : d->inputs();
  const char *which = is_output ? "output" : "input";
  if (entry >= vsize(list)) {
    set_error(err, errlen, "signature def %zu: %s index %zu out of range (%zu)", index, which, entry, vsize(list));
    return TFL_ERROR;
  }
  auto map = list->Get(static_cast<flatbuffers::uoffset_t>(entry));
  out->name = map->name() ? map->name()->c_str() : nullptr;
  out->tensor_index = map->tensor_index();
  const size_t tensor_count = vsize(model->model->subgraphs()->Get(def.subgraph_index)->tensors());
  if (out->tensor_index >= tensor_count) {
    set_error(err, errlen, "signature def %zu, %s %zu: tensor index %u out of range (%zu tensors in subgraph %u)",
              index, which, entry, out->tensor_index, tensor_count, def.subgraph_index);
    return TFL_ERROR;
  }
  return TFL_OK;
}

int tfl_model_metadata(const tfl_model *model, size_t index, tfl_metadata *out, char *err, size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return TFL_ERROR;
  auto md = model->model->metadata();
  if (index >= vsize(md)) {
    set_error(err, errlen, "metadata index %zu out of range (%zu)", index, vsize(md));
    return TFL_ERROR;
  }
  auto m = md->Get(static_cast<flatbuffers::uoffset_t>(index));
  out->name = m->name() ? m->name()->c_str() : nullptr;
  out->buffer = m->buffer();
  const size_t buffer_count = vsize(model->model->buffers());
  if (out->buffer >= buffer_count) {
    set_error(err, errlen, "metadata %zu ('%s'): buffer index %u out of range (%zu buffers)", index,
              out->name ? out->name : "", out->buffer, buffer_count);
    return TFL_ERROR;
  }
  return TFL_OK;
}

int tfl_model_external_buffer_group(const tfl_model *model, size_t index, tfl_external_buffer_group *out, char *err,
                                    size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return TFL_ERROR;
  auto groups = model->model->external_buffer_groups();
  if (index >= vsize(groups)) {
    set_error(err, errlen, "external buffer group index %zu out of range (%zu)", index, vsize(groups));
    return TFL_ERROR;
  }
  auto g = groups->Get(static_cast<flatbuffers::uoffset_t>(index));
  out->name = g->name() ? g->name()->c_str() : nullptr;
  return TFL_OK;
}

int tfl_model_external_buffer(const tfl_model *model, size_t index, tfl_external_buffer *out, char *err,
                              size_t errlen) {
  if (!check_model(model, err, errlen) || !out) return TFL_ERROR;
  auto bufs = model->model->external_buffers();
  if (index >= vsize(bufs)) {
    set_error(err, errlen, "external buffer index %zu out of range (%zu)", index, vsize(bufs));
    return TFL_ERROR;
  }
  auto b = bufs->Get(static_cast<flatbuffers::uoffset_t>(index));
  out->id = b->id();
  out->group = b->group();
  out->offset = b->offset();
  out->length = b->length();
  out->packing = b->packing() ? b->packing()->c_str() : nullptr;
  const size_t group_count = vsize(model->model->external_buffer_groups());
  if (out->group >= group_count) {
    set_error(err, errlen, "external buffer %zu: group index %u out of range (%zu groups)", index, out->group,
              group_count);
    return TFL_ERROR;
  }
  return TFL_OK;
}

}  // extern "C"
