/*
 * tflite_facade.h - plain C interface for reading and writing TFLite
 * (.tflite, schema v3, file identifier "TFL3") flatbuffers.
 *
 * The implementation is C++ (flatc-generated code for Formats/tflite/schema.fbs)
 * but this header is pure C: Swift and C callers only see functions, plain
 * structs and opaque handles.
 *
 * Conventions
 * - Every function that can fail returns 0 (TFL_OK) / -1 (TFL_ERROR), a
 *   non-negative index / -1, or a pointer / NULL, and writes a NUL-terminated
 *   message naming the element (e.g. "subgraph 0, operator 12: operator code
 *   index 40 out of range (17 codes)") into the caller's err buffer
 *   (err may be NULL, errlen 0).
 * - Reading: pointers in returned structs point INTO the caller's file bytes
 *   (no copies). They stay valid as long as those bytes do. Vectors are
 *   little-endian arrays; the library only supports little-endian hosts.
 *   Absent vectors and strings are NULL (count 0); a present but empty vector
 *   has a non-NULL pointer and count 0. Strings are NUL-terminated.
 * - Writing: the same structs are accepted; a NULL pointer means "absent",
 *   a non-NULL pointer with count 0 writes an empty vector. All input data
 *   is copied during the call, so caller memory can be released right after.
 * - Indices are 0-based. Enum-typed fields hold the raw schema value
 *   (TensorType, BuiltinOperator, ...); names are available through
 *   tfl_tensor_type_name() / tfl_builtin_operator_name(). Constants are
 *   plain #defines and kind/type fields are int32_t (Swift sees Int32);
 *   flags are uint8_t (0/1).
 */
#ifndef TFLITE_FACADE_H
#define TFLITE_FACADE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFL_OK 0
#define TFL_ERROR (-1)

/* Upper bound of tfl_options_info.field_count over all options tables. */
#define TFL_MAX_OPTION_FIELDS 32

/* Required alignment of the file bytes given to tfl_model_open. */
#define TFL_DATA_ALIGNMENT 16

/* ===================================================================== */
/* Verification and model handle                                          */
/* ===================================================================== */

/* Checks size >= 8, the "TFL3" identifier at bytes 4..8 and runs the
 * flatbuffers verifier over the whole buffer. For files >= 2 GiB (whose
 * buffers live after the flatbuffer, addressed by Buffer.offset/size) only
 * the first 2 GiB - 1 bytes, which must contain the flatbuffer, are
 * verified. On failure the message locates the broken element when
 * possible. Does not require any alignment of data. */
int tfl_verify(const uint8_t *data, size_t len, char *err, size_t errlen);

typedef struct tfl_model tfl_model;

/* Verifies (tfl_verify) and wraps the bytes; nothing is copied, so data must
 * outlive the handle. data must be TFL_DATA_ALIGNMENT-byte aligned (malloc /
 * mmap memory is) so that vectors returned below are naturally aligned. */
tfl_model *tfl_model_open(const uint8_t *data, size_t len, char *err, size_t errlen);
void tfl_model_close(tfl_model *model);

typedef struct {
    uint32_t version;
    const char *description;            /* NULL if absent */
    size_t operator_code_count;
    size_t subgraph_count;
    size_t buffer_count;
    size_t metadata_count;
    size_t signature_def_count;
    size_t external_buffer_group_count;
    size_t external_buffer_count;
    const int32_t *metadata_buffer;     /* legacy Model.metadata_buffer (buffer indices), NULL if absent */
    size_t metadata_buffer_count;
    size_t flatbuffer_size;             /* bytes up to the end of the flatbuffer data */
    /* Bytes after the flatbuffer and any offset-addressed buffer data, e.g.
     * the zip archive of associated files that TFLite metadata tools append
     * (may start with a few zero padding bytes of the flatbuffer). NULL if
     * none. To keep it, write it after the rebuilt model (at
     * tfl_builder_file_size, or aligned further as the format requires). */
    const uint8_t *trailing_data;
    size_t trailing_size;
} tfl_model_info;

int tfl_model_get_info(const tfl_model *model, tfl_model_info *out, char *err, size_t errlen);

/* ---- operator codes ---- */
typedef struct {
    int32_t builtin_code;      /* BuiltinOperator: max(deprecated_builtin_code, builtin_code) */
    const char *custom_code;   /* NULL if absent */
    int32_t version;
} tfl_operator_code;

int tfl_model_operator_code(const tfl_model *model, size_t index, tfl_operator_code *out,
                            char *err, size_t errlen);

/* ---- subgraphs ---- */
typedef struct {
    const char *name;          /* NULL if absent */
    size_t tensor_count;       /* reader only */
    size_t operator_count;     /* reader only */
    const int32_t *inputs;
    size_t input_count;
    const int32_t *outputs;
    size_t output_count;
    int32_t debug_metadata_index;  /* -1 = none */
} tfl_subgraph;

int tfl_model_subgraph(const tfl_model *model, size_t subgraph, tfl_subgraph *out,
                       char *err, size_t errlen);

/* ---- tensors ---- */
#define TFL_QDETAILS_NONE 0
#define TFL_QDETAILS_CUSTOM 1  /* CustomQuantization: q_custom bytes */
#define TFL_QDETAILS_BLOCKWISE 2  /* BlockwiseQuantization: q_details_* (dims = block_shape) */
#define TFL_QDETAILS_MULTI_AXIS 3  /* MultiAxisQuantization: q_details_* (dims = quantized_dimensions) */

typedef struct {
    const char *name;                  /* NULL if absent */
    int32_t type;                      /* TensorType */
    uint32_t buffer;                   /* index into the model buffers, 0 = no data */
    const int32_t *shape;              /* NULL if absent */
    size_t shape_count;
    const int32_t *shape_signature;    /* NULL if absent; -1 = dynamic dimension */
    size_t shape_signature_count;
    uint8_t is_variable;
    uint8_t has_rank;
    uint8_t has_sparsity;              /* see tfl_tensor_sparsity */
    uint8_t has_quantization;          /* a QuantizationParameters table is present */
    uint32_t external_buffer;          /* ExternalBuffer id, 0 = none */
    size_t variant_count;              /* VariantSubType entries, see tfl_tensor_variant */
    /* quantization (all NULL/0 when has_quantization == 0) */
    const float *q_scale;
    size_t q_scale_count;
    const int64_t *q_zero_point;
    size_t q_zero_point_count;
    const float *q_min;
    size_t q_min_count;
    const float *q_max;
    size_t q_max_count;
    int32_t q_quantized_dimension;
    int32_t q_details_type;            /* TFL_QDETAILS_* (the writer always writes the details table) */
    const uint8_t *q_custom;           /* CustomQuantization.custom, NULL if absent */
    size_t q_custom_size;
    int32_t q_details_scales;          /* Blockwise/MultiAxis: tensor index of the scales */
    int32_t q_details_zero_points;     /* Blockwise/MultiAxis: tensor index of the zero points */
    int32_t q_details_block_size;
    const int32_t *q_details_dims;     /* block_shape / quantized_dimensions, NULL if absent */
    size_t q_details_dims_count;
} tfl_tensor;

int tfl_model_tensor(const tfl_model *model, size_t subgraph, size_t tensor, tfl_tensor *out,
                     char *err, size_t errlen);

/* Sparsity (TACO encoding). */
#define TFL_SPARSE_INDEX_NONE 0
#define TFL_SPARSE_INDEX_INT32 1  /* Int32Vector  */
#define TFL_SPARSE_INDEX_UINT16 2  /* Uint16Vector */
#define TFL_SPARSE_INDEX_UINT8 3  /* Uint8Vector  */

typedef struct {
    const int32_t *traversal_order;    /* NULL if absent */
    size_t traversal_order_count;
    const int32_t *block_map;          /* NULL if absent */
    size_t block_map_count;
    size_t dim_metadata_count;         /* reader only */
} tfl_sparsity;

typedef struct {
    int32_t format;                    /* DimensionType: 0 DENSE, 1 SPARSE_CSR */
    int32_t dense_size;
    int32_t segments_type;             /* TFL_SPARSE_INDEX_* */
    const void *segments;              /* element type per segments_type, NULL if absent */
    size_t segments_count;
    int32_t indices_type;              /* TFL_SPARSE_INDEX_* */
    const void *indices;
    size_t indices_count;
} tfl_dim_metadata;

/* Fails if the tensor has no sparsity parameters. */
int tfl_tensor_sparsity(const tfl_model *model, size_t subgraph, size_t tensor, tfl_sparsity *out,
                        char *err, size_t errlen);
int tfl_tensor_dim_metadata(const tfl_model *model, size_t subgraph, size_t tensor, size_t dim,
                            tfl_dim_metadata *out, char *err, size_t errlen);

/* Element descriptions of VARIANT tensors. */
typedef struct {
    const int32_t *shape;              /* NULL if absent */
    size_t shape_count;
    int32_t type;                      /* TensorType */
    uint8_t has_rank;
} tfl_variant_subtype;

int tfl_tensor_variant(const tfl_model *model, size_t subgraph, size_t tensor, size_t index,
                       tfl_variant_subtype *out, char *err, size_t errlen);

/* ---- buffers ---- */
typedef struct {
    const uint8_t *data;       /* the bytes: inline Buffer.data, or file bytes at Buffer.offset
                                  for external-offset buffers; NULL if no data */
    uint64_t size;             /* number of bytes at data (Buffer.size for external buffers) */
    uint8_t has_data_vector;   /* Buffer.data present (possibly empty) */
    uint8_t is_external;       /* Buffer.offset > 1: data lives after the flatbuffer */
    uint64_t offset;           /* raw Buffer.offset */
    uint64_t offset_size;      /* raw Buffer.size */
} tfl_buffer;

/* External buffers must lie within the file bytes given to tfl_model_open. */
int tfl_model_buffer(const tfl_model *model, size_t index, tfl_buffer *out, char *err, size_t errlen);

/* ---- operators ---- */
typedef struct {
    uint32_t opcode_index;
    const int32_t *inputs;             /* -1 = omitted optional input */
    size_t input_count;
    const int32_t *outputs;
    size_t output_count;
    const int32_t *intermediates;      /* NULL if absent */
    size_t intermediate_count;
    int32_t builtin_options_type;      /* BuiltinOptions union type, 0 = none */
    int32_t builtin_options_2_type;    /* BuiltinOptions2 union type, 0 = none */
    const uint8_t *custom_options;     /* NULL if absent */
    size_t custom_options_size;
    int32_t custom_options_format;     /* CustomOptionsFormat (0 = FLEXBUFFERS) */
    const uint8_t *mutating_variable_inputs;  /* bools as bytes, NULL if absent */
    size_t mutating_variable_input_count;
    uint64_t large_custom_options_offset;     /* > 2 GiB models: file offset of the custom options */
    uint64_t large_custom_options_size;
    const uint8_t *large_custom_options;      /* reader: file bytes at that offset, NULL if none */
    int32_t debug_metadata_index;      /* -1 = none */
} tfl_operator;

/* Checks the operator code index and every tensor index. */
int tfl_model_operator(const tfl_model *model, size_t subgraph, size_t op, tfl_operator *out,
                       char *err, size_t errlen);

/* ---- generic options view ---- */
#define TFL_FIELD_BOOL 1
#define TFL_FIELD_INT 2
#define TFL_FIELD_ENUM 3
#define TFL_FIELD_FLOAT 4
#define TFL_FIELD_STRING 5
#define TFL_FIELD_VECTOR 6

#define TFL_SCALAR_BOOL 1
#define TFL_SCALAR_INT8 2
#define TFL_SCALAR_UINT8 3
#define TFL_SCALAR_INT16 4
#define TFL_SCALAR_UINT16 5
#define TFL_SCALAR_INT32 6
#define TFL_SCALAR_UINT32 7
#define TFL_SCALAR_INT64 8
#define TFL_SCALAR_UINT64 9
#define TFL_SCALAR_FLOAT32 10
#define TFL_SCALAR_FLOAT64 11

/* One field of an options table.
 * Reading: name/kind/scalar_type/enum_type describe the schema field
 * (scalar_type = wire type of the value, or of the vector elements);
 * BOOL/INT/ENUM values are in int_value, FLOAT in float_value, STRING in
 * string_value/string_len, VECTOR in vector_data/vector_count (elements of
 * scalar_type, pointing into the file). present = the field is stored in the
 * table (absent scalars report their schema default).
 * Writing: name selects the field; for BOOL/INT/ENUM/FLOAT fields int_value
 * (kind BOOL/INT/ENUM) or float_value (kind FLOAT) is range-checked and
 * written; for STRING/VECTOR fields only present != 0 writes them, and
 * vector_data holds vector_count elements of the caller's scalar_type, which
 * is converted (range-checked) to the schema element type. Fields not listed
 * keep their defaults. enum_type, enum_name and is_subgraph_index are ignored. */
typedef struct {
    const char *name;
    int32_t kind;                  /* TFL_FIELD_* */
    int32_t scalar_type;           /* TFL_SCALAR_* */
    const char *enum_type;         /* e.g. "ActivationFunctionType"; NULL if not an enum */
    const char *enum_name;         /* reader: symbolic name of int_value, NULL if unknown */
    uint8_t present;
    uint8_t is_subgraph_index;     /* value(s) are subgraph indices (range-checked) */
    int64_t int_value;
    double float_value;
    const char *string_value;
    size_t string_len;
    const void *vector_data;
    size_t vector_count;
} tfl_option_field;

typedef struct {
    int32_t type;              /* union type code, 0 = none */
    const char *type_name;     /* e.g. "Conv2DOptions"; NULL for type 0 */
    uint8_t table_present;     /* the options table itself is present */
    size_t field_count;        /* number of fields of that table (<= TFL_MAX_OPTION_FIELDS) */
} tfl_options_info;

/* which: 1 = builtin_options, 2 = builtin_options_2. Fills info, and when
 * fields is non-NULL copies info->field_count fields into it (capacity must
 * be >= field_count). Subgraph index fields are range-checked. */
int tfl_operator_options(const tfl_model *model, size_t subgraph, size_t op, int which,
                         tfl_options_info *info, tfl_option_field *fields, size_t capacity,
                         char *err, size_t errlen);

/* ---- signature defs, metadata, external buffers ---- */
typedef struct {
    const char *signature_key;     /* NULL if absent */
    uint32_t subgraph_index;
    size_t input_count;            /* reader only */
    size_t output_count;           /* reader only */
} tfl_signature_def;

typedef struct {
    const char *name;              /* NULL if absent */
    uint32_t tensor_index;         /* index into the signature's subgraph tensors */
} tfl_tensor_map;

int tfl_model_signature_def(const tfl_model *model, size_t index, tfl_signature_def *out,
                            char *err, size_t errlen);
/* is_output: 0 = inputs, 1 = outputs */
int tfl_model_signature_tensor(const tfl_model *model, size_t index, int is_output, size_t entry,
                               tfl_tensor_map *out, char *err, size_t errlen);

typedef struct {
    const char *name;              /* NULL if absent */
    uint32_t buffer;
} tfl_metadata;

int tfl_model_metadata(const tfl_model *model, size_t index, tfl_metadata *out, char *err, size_t errlen);

typedef struct {
    const char *name;              /* ExternalBufferGroup.name, NULL if absent */
} tfl_external_buffer_group;

typedef struct {
    uint32_t id;
    uint32_t group;                /* index into the external buffer groups */
    uint64_t offset;
    uint64_t length;
    const char *packing;           /* NULL if absent */
} tfl_external_buffer;

int tfl_model_external_buffer_group(const tfl_model *model, size_t index, tfl_external_buffer_group *out,
                                    char *err, size_t errlen);
int tfl_model_external_buffer(const tfl_model *model, size_t index, tfl_external_buffer *out,
                              char *err, size_t errlen);

/* ===================================================================== */
/* Schema information                                                     */
/* ===================================================================== */

/* Names from the schema; NULL for unknown values. */
const char *tfl_builtin_operator_name(int32_t code);
const char *tfl_tensor_type_name(int32_t type);
/* Largest valid union type code of BuiltinOptions (which = 1) / BuiltinOptions2 (2). */
int tfl_options_type_max(int which);
const char *tfl_options_type_name(int which, int type);
/* Union type code for a table name such as "Conv2DOptions", or -1. */
int tfl_options_type_from_name(int which, const char *name);
/* The schema fields of an options table with their default values
 * (present = 0). *count receives the number of fields. */
int tfl_options_schema(int which, int type, tfl_option_field *fields, size_t capacity, size_t *count,
                       char *err, size_t errlen);

/* ===================================================================== */
/* Writing                                                                */
/* ===================================================================== */

/* Builder usage: create; add buffers, operator codes, subgraphs, their
 * tensors and operators, signature defs, metadata in any order (indices are
 * assigned in call order and returned); tfl_builder_finish; then read the
 * bytes with tfl_builder_data. Cross references are checked by finish.
 *
 * Buffers are 16-byte aligned inside the file. Models whose buffer data
 * exceed ~2 GiB must use external buffers (the flatbuffer format cannot
 * address more than 2 GiB):
 *
 *   b = tfl_builder_create(TFL_BUILDER_EXTERNAL_BUFFERS, ...)
 *   tfl_builder_add_buffer(b, NULL, size, ...)   -> data is not copied
 *   ... tfl_builder_finish(b, ...)
 *   tfl_builder_data(b, &fb, &fb_size)
 *   write fb at file offset 0; then for every buffer i with
 *   tfl_builder_buffer_placement(b, i, &off, &size) returning size > 0,
 *   write its bytes at file offset off (zero-fill the gaps). Offsets are
 *   increasing in buffer order, >= fb_size and 16-byte aligned;
 *   tfl_builder_file_size gives the total file size.
 *
 * In that mode Buffer.offset/Buffer.size are set for every buffer with
 * size > 0, exactly as TFLite expects for > 2 GiB models. */
typedef struct tfl_builder tfl_builder;

#define TFL_BUILDER_EXTERNAL_BUFFERS 1u

tfl_builder *tfl_builder_create(uint32_t flags, char *err, size_t errlen);
void tfl_builder_free(tfl_builder *builder);
/* Sizes the builder's memory for a model of about `bytes` bytes so that it never
 * grows (and copies itself) while buffers are added. Call right after create. */
int tfl_builder_reserve(tfl_builder *builder, uint64_t bytes, char *err, size_t errlen);

/* Model.version (default 3), description (NULL = absent) and the legacy
 * metadata_buffer list (NULL = absent). */
int tfl_builder_set_model_info(tfl_builder *builder, uint32_t version, const char *description,
                               const int32_t *metadata_buffer, size_t metadata_buffer_count,
                               char *err, size_t errlen);

/* Returns the buffer index. data == NULL && size == 0: a Buffer without data
 * (like buffer 0); data != NULL && size == 0: an empty data vector. In
 * external mode, size > 0 records an external buffer and data is ignored. */
int32_t tfl_builder_add_buffer(tfl_builder *builder, const void *data, uint64_t size,
                               char *err, size_t errlen);

int32_t tfl_builder_add_operator_code(tfl_builder *builder, const tfl_operator_code *code,
                                      char *err, size_t errlen);

/* Uses name, inputs/outputs and debug_metadata_index of *subgraph (input and
 * output tensor indices are checked at finish). Returns the subgraph index. */
int32_t tfl_builder_add_subgraph(tfl_builder *builder, const tfl_subgraph *subgraph,
                                 char *err, size_t errlen);
/* Replaces the subgraph inputs/outputs (e.g. once its tensors exist). */
int tfl_builder_set_subgraph_io(tfl_builder *builder, int32_t subgraph,
                                const int32_t *inputs, size_t input_count,
                                const int32_t *outputs, size_t output_count,
                                char *err, size_t errlen);

/* Uses every field of *tensor except has_sparsity and variant_count (use the
 * two functions below). Quantization is written when has_quantization != 0.
 * Returns the tensor index within the subgraph. */
int32_t tfl_builder_add_tensor(tfl_builder *builder, int32_t subgraph, const tfl_tensor *tensor,
                               char *err, size_t errlen);
int tfl_builder_set_tensor_sparsity(tfl_builder *builder, int32_t subgraph, int32_t tensor,
                                    const tfl_sparsity *sparsity, const tfl_dim_metadata *dims,
                                    size_t dim_count, char *err, size_t errlen);
int tfl_builder_add_tensor_variant(tfl_builder *builder, int32_t subgraph, int32_t tensor,
                                   const tfl_variant_subtype *variant, char *err, size_t errlen);

/* Adds an operator; the options tables are rebuilt from the generic field
 * lists (types from op->builtin_options_type / builtin_options_2_type; a
 * non-zero type with no fields writes a table of defaults). Field names and
 * value ranges are checked here; indices at finish. Returns the operator index. */
int32_t tfl_builder_add_operator(tfl_builder *builder, int32_t subgraph, const tfl_operator *op,
                                 const tfl_option_field *options, size_t option_count,
                                 const tfl_option_field *options_2, size_t option_2_count,
                                 char *err, size_t errlen);

int32_t tfl_builder_add_signature_def(tfl_builder *builder, const char *signature_key,
                                      uint32_t subgraph_index,
                                      const tfl_tensor_map *inputs, size_t input_count,
                                      const tfl_tensor_map *outputs, size_t output_count,
                                      char *err, size_t errlen);
int32_t tfl_builder_add_metadata(tfl_builder *builder, const char *name, uint32_t buffer,
                                 char *err, size_t errlen);
int32_t tfl_builder_add_external_buffer_group(tfl_builder *builder, const char *name,
                                              char *err, size_t errlen);
int32_t tfl_builder_add_external_buffer(tfl_builder *builder, const tfl_external_buffer *buffer,
                                        char *err, size_t errlen);

/* Checks all cross references, serializes the model with file identifier
 * "TFL3" and verifies the result. Can be called once. */
int tfl_builder_finish(tfl_builder *builder, char *err, size_t errlen);

/* The finished flatbuffer (owned by the builder). */
int tfl_builder_data(const tfl_builder *builder, const uint8_t **data, size_t *size,
                     char *err, size_t errlen);
/* External mode: where buffer i must be written in the file (size 0 = none).
 * Inline mode: offset 0 and size 0. */
int tfl_builder_buffer_placement(const tfl_builder *builder, int32_t buffer, uint64_t *offset,
                                 uint64_t *size, char *err, size_t errlen);
/* Total file size: the flatbuffer plus all external buffer data. */
uint64_t tfl_builder_file_size(const tfl_builder *builder);

#ifdef __cplusplus
}
#endif

#endif /* TFLITE_FACADE_H */
