// Verification of TFLite files for the C facade (tfl_verify): identifier,
// flatbuffers verifier and, on failure, a second pass naming the element.
#include "tflite_internal.h"

using namespace tfl_detail;

namespace {

const char kIdentifier[] = "TFL3";

flatbuffers::Verifier::Options verifier_options() {
  flatbuffers::Verifier::Options opts;
  opts.max_depth = 128;
  opts.max_tables = 1u << 30;
  opts.check_alignment = true;
  return opts;
}

// The verifier cannot address more than 2 GiB; bigger files keep their
// flatbuffer in front of the (Buffer.offset-addressed) data.
size_t verifiable_length(size_t len) {
  const size_t max = static_cast<size_t>(FLATBUFFERS_MAX_BUFFER_SIZE) - 1;
  return len < max ? len : max;
}

const flatbuffers::Table *as_table(const void *p) { return reinterpret_cast<const flatbuffers::Table *>(p); }

// Second, slower pass run only after the verifier failed: verifies the model
// piece by piece to name the first malformed element.
class FailureLocator {
 public:
  FailureLocator(const uint8_t *data, size_t len) : data_(data), v_(data, len, verifier_options()) {}

  std::string locate() {
    if (!v_.VerifyOffset(0)) return "the root table offset";
    auto model = flatbuffers::GetRoot<tflite::Model>(data_);
    auto mt = as_table(model);
    if (!mt->VerifyTableStart(v_)) return "the model table (its vtable offset or vtable)";
    if (!mt->VerifyField<uint32_t>(v_, tflite::Model::VT_VERSION, 4)) return "model.version";
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_OPERATOR_CODES) && v_.VerifyVector(model->operator_codes())))
      return "model.operator_codes";
    if (auto codes = model->operator_codes())
      for (flatbuffers::uoffset_t i = 0; i < codes->size(); i++)
        if (!v_.VerifyTable(codes->Get(i))) return "operator code " + std::to_string(i);
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_SUBGRAPHS) && v_.VerifyVector(model->subgraphs())))
      return "model.subgraphs";
    if (auto sgs = model->subgraphs())
      for (flatbuffers::uoffset_t i = 0; i < sgs->size(); i++) {
        std::string what = subgraph(sgs->Get(i), i);
        if (!what.empty()) return what;
      }
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_DESCRIPTION) && v_.VerifyString(model->description())))
      return "model.description";
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_BUFFERS) && v_.VerifyVector(model->buffers())))
      return "model.buffers";
    if (auto bufs = model->buffers())
      for (flatbuffers::uoffset_t i = 0; i < bufs->size(); i++)
        if (!v_.VerifyTable(bufs->Get(i))) return "buffer " + std::to_string(i);
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_METADATA_BUFFER) && v_.VerifyVector(model->metadata_buffer())))
      return "model.metadata_buffer";
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_METADATA) && v_.VerifyVector(model->metadata())))
      return "model.metadata";
    if (auto md = model->metadata())
      for (flatbuffers::uoffset_t i = 0; i < md->size(); i++)
        if (!v_.VerifyTable(md->Get(i))) return "metadata " + std::to_string(i);
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_SIGNATURE_DEFS) && v_.VerifyVector(model->signature_defs())))
      return "model.signature_defs";
    if (auto sd = model->signature_defs())
      for (flatbuffers::uoffset_t i = 0; i < sd->size(); i++)
        if (!v_.VerifyTable(sd->Get(i))) return "signature def " + std::to_string(i);
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_EXTERNAL_BUFFER_GROUPS) &&
          v_.VerifyVector(model->external_buffer_groups()) &&
          v_.VerifyVectorOfTables(model->external_buffer_groups())))
      return "model.external_buffer_groups";
    if (!(mt->VerifyOffset(v_, tflite::Model::VT_EXTERNAL_BUFFERS) && v_.VerifyVector(model->external_buffers()) &&
          v_.VerifyVectorOfTables(model->external_buffers())))
      return "model.external_buffers";
    return "";
  }

 private:
  std::string subgraph(const tflite::SubGraph *sg, flatbuffers::uoffset_t index) {
    const std::string where = "subgraph " + std::to_string(index);
    auto t = as_table(sg);
    if (!t->VerifyTableStart(v_)) return where + " (table)";
    if (!(t->VerifyOffset(v_, tflite::SubGraph::VT_TENSORS) && v_.VerifyVector(sg->tensors())))
      return where + " (tensors)";
    if (auto tensors = sg->tensors())
      for (flatbuffers::uoffset_t i = 0; i < tensors->size(); i++)
        if (!v_.VerifyTable(tensors->Get(i))) return where + ", tensor " + std::to_string(i);
    if (!(t->VerifyOffset(v_, tflite::SubGraph::VT_INPUTS) && v_.VerifyVector(sg->inputs())))
      return where + " (inputs)";
    if (!(t->VerifyOffset(v_, tflite::SubGraph::VT_OUTPUTS) && v_.VerifyVector(sg->outputs())))
      return where + " (outputs)";
    if (!(t->VerifyOffset(v_, tflite::SubGraph::VT_OPERATORS) && v_.VerifyVector(sg->operators())))
      return where + " (operators)";
    if (auto ops = sg->operators())
      for (flatbuffers::uoffset_t i = 0; i < ops->size(); i++)
        if (!v_.VerifyTable(ops->Get(i))) return where + ", operator " + std::to_string(i);
    if (!(t->VerifyOffset(v_, tflite::SubGraph::VT_NAME) && v_.VerifyString(sg->name()))) return where + " (name)";
    return "";
  }

  const uint8_t *data_;
  flatbuffers::Verifier v_;
};

}  // namespace

namespace tfl_detail {

int verify_model(const uint8_t *data, size_t len, size_t *flatbuffer_size, char *err, size_t errlen) {
  if (!data) {
    set_error(err, errlen, "no data (NULL pointer)");
    return TFL_ERROR;
  }
  if (len < 8) {
    set_error(err, errlen, "file too small (%zu bytes) to be a TFLite model", len);
    return TFL_ERROR;
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
    set_error(err, errlen, "wrong file identifier '%s', expected 'TFL3'", got);
    return TFL_ERROR;
  }
  const size_t vlen = verifiable_length(len);
  flatbuffers::Verifier verifier(data, vlen, verifier_options());
  if (verifier.VerifyBuffer<tflite::Model>(kIdentifier)) {
    if (flatbuffer_size) *flatbuffer_size = verifier.GetComputedSize();
    return TFL_OK;
  }
  std::string where = FailureLocator(data, vlen).locate();
  if (where.empty()) where = "the model (nesting depth, table count or another field)";
  set_error(err, errlen, "flatbuffer verification failed at %s (offset, size or alignment out of bounds)%s",
            where.c_str(), len > vlen ? "; only the first 2 GiB were verified" : "");
  return TFL_ERROR;
}

}  // namespace tfl_detail

extern "C" int tfl_verify(const uint8_t *data, size_t len, char *err, size_t errlen) {
  return verify_model(data, len, nullptr, err, errlen);
}
