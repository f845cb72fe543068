/*
 * ort_facade.h - plain C interface for reading and writing ONNX Runtime
 * ".ort" models (FlatBuffers, root table InferenceSession, file identifier
 * "ORTM", format version "6").
 *
 * The implementation is C++ (flatc-generated code for Formats/ort/ort.fbs)
 * but this header is pure C: Swift and C callers only see functions, plain
 * structs and opaque handles.
 *
 * Conventions (the same as tflite_facade.h)
 * - Every function that can fail returns 0 (ORT_FB_OK) / -1 (ORT_FB_ERROR),
 *   a non-negative index / -1, or a pointer / NULL, and writes a
 *   NUL-terminated message naming the element (e.g. "graph 0, node 12: node
 *   index 40 out of range (max_node_index 30)") into the caller's err buffer
 *   (err may be NULL, errlen 0). No C++ exception leaves the library.
 * - Reading: pointers in returned structs point INTO the caller's file bytes
 *   (no copies). They stay valid as long as those bytes (and, for graph id
 *   lists, the model handle) do. Vectors are little-endian arrays; the
 *   library only supports little-endian hosts. Absent vectors and strings
 *   are NULL (count 0); a present but empty vector has a non-NULL pointer and
 *   count 0. Vectors of tables report a count and a has_* flag (present,
 *   possibly empty). Strings are NUL-terminated; those that may hold
 *   arbitrary bytes (Attribute.s, string lists) also come with a length.
 * - Lists of strings ([string] in the schema) are returned as ort_strings
 *   views; read their items with ort_strings_get.
 * - Writing: the same structs are accepted; a NULL pointer means "absent",
 *   a non-NULL pointer with count 0 writes an empty vector (from Swift, an
 *   empty Array's base address is nil: pass any non-NULL pointer to write an
 *   empty vector; string lists have an explicit present flag). All input
 *   data is copied during the call, so caller memory can be released right
 *   after. Structs read from a model can be passed back unchanged to
 *   rebuild it.
 * - Graphs: every graph of a model has an id. 0 is the main graph
 *   (Model.graph); graphs nested in node attributes (Attribute.g /
 *   Attribute.graphs, e.g. If/Loop/Scan bodies, at any depth) get the ids
 *   1, 2, ... The graphs of one attribute have consecutive ids.
 * - Indices are 0-based. Enum-typed fields hold the raw schema value
 *   (TensorDataType, AttributeType, ...); names are available through the
 *   *_name() functions. Constants are plain #defines and kind/type fields
 *   are int32_t (Swift sees Int32); flags are uint8_t (0/1).
 */
#ifndef ORT_FACADE_H
#define ORT_FACADE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORT_FB_OK 0
#define ORT_FB_ERROR (-1)

/* Required alignment of the file bytes given to ort_model_open. */
#define ORT_FB_DATA_ALIGNMENT 16

/* The ORT format version written by onnxruntime 1.32 (InferenceSession.ort_version). */
#define ORT_FB_FORMAT_VERSION "6"

/* AttributeType */
#define ORT_FB_ATTR_UNDEFINED 0
#define ORT_FB_ATTR_FLOAT 1
#define ORT_FB_ATTR_INT 2
#define ORT_FB_ATTR_STRING 3
#define ORT_FB_ATTR_TENSOR 4
#define ORT_FB_ATTR_GRAPH 5
#define ORT_FB_ATTR_FLOATS 6
#define ORT_FB_ATTR_INTS 7
#define ORT_FB_ATTR_STRINGS 8
#define ORT_FB_ATTR_TENSORS 9
#define ORT_FB_ATTR_GRAPHS 10
#define ORT_FB_ATTR_SPARSE_TENSOR 11   /* no field to hold it in the format */
#define ORT_FB_ATTR_SPARSE_TENSORS 12

/* TypeInfoValue union type */
#define ORT_FB_TYPE_NONE 0
#define ORT_FB_TYPE_TENSOR 1
#define ORT_FB_TYPE_SEQUENCE 2
#define ORT_FB_TYPE_MAP 3

/* DimensionValueType */
#define ORT_FB_DIM_UNKNOWN 0
#define ORT_FB_DIM_VALUE 1
#define ORT_FB_DIM_PARAM 2

/* ArgType */
#define ORT_FB_ARG_INPUT 0
#define ORT_FB_ARG_OUTPUT 1

/* NodeType */
#define ORT_FB_NODE_PRIMITIVE 0
#define ORT_FB_NODE_FUSED 1

/* ===================================================================== */
/* String lists                                                           */
/* ===================================================================== */

/* A list of strings.
 * Reading: vector is an opaque view of a [string] vector in the file (NULL
 * if absent), present = (vector != NULL), items and lengths are NULL; read
 * the strings with ort_strings_get.
 * Writing: if items is non-NULL, count strings are taken from items
 * (lengths[i] bytes each, or NUL-terminated when lengths is NULL); else if
 * vector is non-NULL (a view returned by a reader), its strings are copied;
 * else if present != 0, an empty vector is written (count must be 0); else
 * the vector is absent. */
typedef struct {
    const void *vector;
    const char *const *items;
    const size_t *lengths;
    size_t count;
    uint8_t present;
} ort_strings;

/* String index of a list read from a model: *str points into the file
 * (NUL-terminated), *len (may be NULL) receives its length in bytes. */
int ort_strings_get(const ort_strings *list, size_t index, const char **str, size_t *len,
                    char *err, size_t errlen);

/* ===================================================================== */
/* Verification and model handle                                          */
/* ===================================================================== */

/* Checks size >= 8, the "ORTM" identifier at bytes 4..8 and runs the
 * flatbuffers verifier over the whole buffer. On failure the message
 * locates the broken element when possible. Does not require any alignment
 * of data. */
int ort_verify(const uint8_t *data, size_t len, char *err, size_t errlen);

typedef struct ort_model ort_model;

/* Verifies (ort_verify), enumerates the graphs and wraps the bytes; nothing
 * is copied, so data must outlive the handle. data must be
 * ORT_FB_DATA_ALIGNMENT-byte aligned (malloc / mmap memory is) so that
 * vectors returned below are naturally aligned (Tensor.raw_data is a byte
 * vector and only 4-byte aligned in files written by onnxruntime). */
ort_model *ort_model_open(const uint8_t *data, size_t len, char *err, size_t errlen);
void ort_model_close(ort_model *model);

typedef struct {
    const char *ort_version;            /* InferenceSession.ort_version, NULL if absent */
    uint8_t has_model;                  /* InferenceSession.model present (reader only) */
    int64_t ir_version;
    const char *producer_name;          /* NULL if absent */
    const char *producer_version;
    const char *domain;
    int64_t model_version;
    const char *doc_string;
    const char *graph_doc_string;
    uint8_t has_opset_import;
    size_t opset_import_count;          /* reader only */
    uint8_t has_metadata_props;
    size_t metadata_prop_count;         /* reader only */
    size_t graph_count;                 /* reader only: all graphs; 0 if Model.graph is absent */
    uint8_t has_kernel_type_str_resolver;
    uint8_t has_kernel_type_str_ops;    /* KernelTypeStrResolver.op_kernel_type_str_args present */
    size_t kernel_type_str_op_count;    /* reader only */
} ort_model_info;

int ort_model_get_info(const ort_model *model, ort_model_info *out, char *err, size_t errlen);

typedef struct {
    const char *domain;                 /* NULL if absent; "" = ONNX */
    int64_t version;
} ort_opset_id;

typedef struct {
    const char *key;                    /* NULL if absent */
    const char *value;
} ort_string_pair;

int ort_model_opset_import(const ort_model *model, size_t index, ort_opset_id *out, char *err, size_t errlen);
int ort_model_metadata_prop(const ort_model *model, size_t index, ort_string_pair *out, char *err, size_t errlen);

/* ===================================================================== */
/* Graphs                                                                 */
/* ===================================================================== */

typedef struct {
    /* where the graph is nested (reader only; all -1 for the main graph) */
    int32_t parent_graph;
    int32_t parent_node;                /* index into the parent graph's nodes */
    int32_t parent_attribute;           /* index into that node's attributes */
    int32_t parent_graph_index;         /* -1 = Attribute.g, else index in Attribute.graphs */
    /* counts (reader only) */
    size_t initializer_count;
    size_t node_arg_count;
    size_t node_count;
    size_t node_edge_count;
    size_t sparse_initializer_count;
    size_t runtime_optimization_count;  /* RuntimeOptimizations.records entries */
    /* presence of the vectors of tables (possibly empty) */
    uint8_t has_initializers;
    uint8_t has_node_args;
    uint8_t has_nodes;
    uint8_t has_node_edges;
    uint8_t has_sparse_initializers;
    uint8_t has_runtime_optimizations;  /* RuntimeOptimizations table present */
    uint8_t has_runtime_optimization_records;  /* its records vector present */
    uint32_t max_node_index;            /* every Node.index is below it */
    ort_strings inputs;                 /* graph input names */
    ort_strings outputs;
} ort_graph;

/* Fills the description of graph id `graph` (0 .. graph_count - 1). */
int ort_model_graph(const ort_model *model, int32_t graph, ort_graph *out, char *err, size_t errlen);

/* ---- tensors (initializers, attribute values, sparse tensor parts) ---- */
typedef struct {
    const char *name;                   /* NULL if absent */
    const char *doc_string;
    const int64_t *dims;                /* NULL if absent */
    size_t dim_count;
    int32_t data_type;                  /* TensorDataType */
    const uint8_t *raw_data;            /* NULL if absent; little-endian, row-major */
    size_t raw_data_size;
    ort_strings string_data;            /* STRING tensors */
    int64_t external_data_offset;       /* -1 = data inline */
} ort_tensor;

typedef struct {
    uint8_t has_values;
    ort_tensor values;
    uint8_t has_indices;
    ort_tensor indices;
    const int64_t *dims;                /* dense shape, NULL if absent */
    size_t dim_count;
} ort_sparse_tensor;

int ort_graph_initializer(const ort_model *model, int32_t graph, size_t index, ort_tensor *out,
                          char *err, size_t errlen);
int ort_graph_sparse_initializer(const ort_model *model, int32_t graph, size_t index, ort_sparse_tensor *out,
                                 char *err, size_t errlen);

/* ---- node args (ValueInfo) and their types ---- */

/* The type of a value is a chain of TypeInfo tables: level 0 is
 * ValueInfo.type; a sequence level continues with its elem_type, a map level
 * with its value_type; a tensor (or empty) level ends the chain. type_depth
 * is the number of levels (0 = ValueInfo.type absent). */
typedef struct {
    const char *name;                   /* NULL if absent */
    const char *doc_string;
    size_t type_depth;                  /* reader only (writer: see ort_builder_add_node_arg) */
} ort_value_info;

typedef struct {
    const char *denotation;             /* TypeInfo.denotation, NULL if absent */
    int32_t value_type;                 /* ORT_FB_TYPE_* */
    uint8_t has_value;                  /* the union's table is present */
    int32_t elem_type;                  /* TENSOR: elem_type; MAP: key_type (TensorDataType) */
    uint8_t has_shape;                  /* TENSOR: Shape table present (absent = rank unknown) */
    uint8_t has_dims;                   /* TENSOR: Shape.dim vector present */
    size_t dim_count;                   /* reader only: dimensions of the shape */
} ort_type_level;

typedef struct {
    uint8_t has_value;                  /* DimensionValue table present */
    int32_t dim_type;                   /* ORT_FB_DIM_* */
    int64_t dim_value;
    const char *dim_param;              /* NULL if absent */
    const char *denotation;             /* Dimension.denotation, NULL if absent */
} ort_dimension;

int ort_graph_node_arg(const ort_model *model, int32_t graph, size_t index, ort_value_info *out,
                       char *err, size_t errlen);
int ort_node_arg_type(const ort_model *model, int32_t graph, size_t index, size_t level, ort_type_level *out,
                      char *err, size_t errlen);
/* Dimension dim of the shape at the last type level (which must be a tensor with a shape). */
int ort_node_arg_dim(const ort_model *model, int32_t graph, size_t index, size_t dim, ort_dimension *out,
                     char *err, size_t errlen);

/* ---- nodes and attributes ---- */
typedef struct {
    const char *name;                   /* NULL if absent */
    const char *doc_string;
    const char *domain;                 /* "" or NULL = ONNX */
    int32_t since_version;
    uint32_t index;                     /* Node.index (checked < max_node_index) */
    const char *op_type;
    int32_t type;                       /* ORT_FB_NODE_* */
    const char *execution_provider_type;
    ort_strings inputs;                 /* value names, "" = omitted optional input */
    ort_strings outputs;
    ort_strings implicit_inputs;
    const int32_t *input_arg_counts;    /* NULL if absent */
    size_t input_arg_count_count;
    uint8_t has_attributes;
    size_t attribute_count;             /* reader only */
} ort_node;

int ort_graph_node(const ort_model *model, int32_t graph, size_t index, ort_node *out, char *err, size_t errlen);

typedef struct {
    const char *name;                   /* NULL if absent */
    const char *doc_string;
    int32_t type;                       /* ORT_FB_ATTR_* */
    float f;
    int64_t i;
    const char *s;                      /* NULL if absent; may hold arbitrary bytes */
    size_t s_len;
    uint8_t has_t;                      /* reader: Attribute.t present, see ort_attribute_tensor */
    int32_t g;                          /* graph id of Attribute.g, -1 if absent */
    const float *floats;                /* NULL if absent */
    size_t float_count;
    const int64_t *ints;                /* NULL if absent */
    size_t int_count;
    ort_strings strings;
    uint8_t has_tensors;                /* Attribute.tensors present (possibly empty) */
    size_t tensor_count;                /* reader only */
    const int32_t *graphs;              /* graph ids of Attribute.graphs, NULL if absent */
    size_t graph_count;
} ort_attribute;

int ort_node_attribute(const ort_model *model, int32_t graph, size_t node, size_t attribute, ort_attribute *out,
                       char *err, size_t errlen);
/* Tensor value of an attribute: index -1 = Attribute.t, else Attribute.tensors[index]. */
int ort_attribute_tensor(const ort_model *model, int32_t graph, size_t node, size_t attribute, int64_t index,
                         ort_tensor *out, char *err, size_t errlen);

/* ---- node edges ---- */

/* Same layout as the EdgeEnd struct in the file (12 bytes). */
typedef struct {
    uint32_t node_index;
    int32_t src_arg_index;
    int32_t dst_arg_index;
} ort_edge_end;

typedef struct {
    uint32_t node_index;
    const ort_edge_end *input_edges;    /* NULL if absent */
    size_t input_edge_count;
    const ort_edge_end *output_edges;   /* NULL if absent */
    size_t output_edge_count;
} ort_node_edge;

/* Checks every node index against the graph's max_node_index. */
int ort_graph_node_edge(const ort_model *model, int32_t graph, size_t index, ort_node_edge *out,
                        char *err, size_t errlen);

/* ---- runtime optimizations (saved by the "Runtime" optimization style) ---- */
typedef struct {
    const char *optimizer_name;         /* required by the schema (key) */
    uint8_t has_records;
    size_t record_count;                /* reader only */
} ort_runtime_optimization;

typedef struct {
    const char *action_id;              /* NULL if absent */
    uint8_t has_nodes_to_optimize;      /* NodesToOptimizeIndices table present */
    const uint32_t *node_indices;       /* NULL if absent */
    size_t node_index_count;
    uint32_t num_inputs;
    uint32_t num_outputs;
    uint8_t has_variadic_input;
    uint8_t has_variadic_output;
    uint32_t num_variadic_inputs;
    uint32_t num_variadic_outputs;
    ort_strings produced_op_ids;        /* "domain:op_type:since_version" */
} ort_runtime_optimization_record;

int ort_graph_runtime_optimization(const ort_model *model, int32_t graph, size_t index,
                                   ort_runtime_optimization *out, char *err, size_t errlen);
int ort_graph_runtime_optimization_record(const ort_model *model, int32_t graph, size_t index, size_t record,
                                          ort_runtime_optimization_record *out, char *err, size_t errlen);

/* ===================================================================== */
/* Kernel type string resolver                                            */
/* ===================================================================== */

/* For every operator "domain:op_type:since_version" (domain "" = ONNX), the
 * kernel type strings of its kernels and the node arguments that bind them. */
typedef struct {
    const char *op_id;                  /* required by the schema (key) */
    uint8_t has_entries;
    size_t entry_count;                 /* reader only: kernel type strings */
} ort_kernel_type_str_op;

typedef struct {
    int32_t arg_type;                   /* ORT_FB_ARG_* */
    uint32_t index;                     /* input or output position */
} ort_arg_type_and_index;

typedef struct {
    const char *kernel_type_str;        /* required by the schema (key), e.g. "T" */
    uint8_t has_args;
    size_t arg_count;                   /* reader only */
} ort_kernel_type_str_args;

int ort_model_kernel_type_str_op(const ort_model *model, size_t op, ort_kernel_type_str_op *out,
                                 char *err, size_t errlen);
/* Fills out, and when args is non-NULL copies out->arg_count entries into
 * it (capacity must be >= arg_count). */
int ort_model_kernel_type_str_args(const ort_model *model, size_t op, size_t entry, ort_kernel_type_str_args *out,
                                   ort_arg_type_and_index *args, size_t capacity, char *err, size_t errlen);

/* ===================================================================== */
/* Schema information                                                     */
/* ===================================================================== */

/* Names from the schema; NULL for unknown values. */
const char *ort_tensor_data_type_name(int32_t type);
const char *ort_attribute_type_name(int32_t type);

/* ===================================================================== */
/* Writing                                                                */
/* ===================================================================== */

/* Builder usage: create; set the model info; add opset imports, metadata,
 * graphs (the first one added is the main graph, id 0), their
 * initializers, node args, nodes, attributes, edges and runtime
 * optimizations, and the kernel type string resolver, in any order
 * (indices/ids are assigned in call order and returned);
 * ort_builder_finish; then read the bytes with ort_builder_data. Cross
 * references (graph ids, node indices) are checked by finish: every graph
 * except 0 must be referenced by exactly one attribute and reachable from
 * graph 0. Tensor raw data is 16-byte aligned inside the file. */
typedef struct ort_builder ort_builder;

ort_builder *ort_builder_create(char *err, size_t errlen);
void ort_builder_free(ort_builder *builder);
/* Sizes the builder's memory for a model of about `bytes` bytes so that it
 * never grows (and copies itself). Call right after create. */
int ort_builder_reserve(ort_builder *builder, uint64_t bytes, char *err, size_t errlen);

/* Uses the string and scalar fields and the has_* flags of *info (counts are
 * ignored). ort_version NULL writes no version (onnxruntime then refuses the
 * file; use ORT_FB_FORMAT_VERSION). Vectors are written when their has_*
 * flag is set or an element was added. Defaults before the call: version
 * ORT_FB_FORMAT_VERSION, everything else absent/0. */
int ort_builder_set_model_info(ort_builder *builder, const ort_model_info *info, char *err, size_t errlen);

int32_t ort_builder_add_opset_import(ort_builder *builder, const ort_opset_id *opset, char *err, size_t errlen);
int32_t ort_builder_add_metadata_prop(ort_builder *builder, const ort_string_pair *prop, char *err, size_t errlen);

/* Uses max_node_index, inputs, outputs and the has_* flags (counts and
 * parent fields are ignored). Returns the graph id. */
int32_t ort_builder_add_graph(ort_builder *builder, const ort_graph *graph, char *err, size_t errlen);
/* Replaces those fields of graph id `graph` (e.g. once its nodes are known). */
int ort_builder_set_graph(ort_builder *builder, int32_t graph, const ort_graph *info, char *err, size_t errlen);

/* Return the index of the new element within the graph. */
int32_t ort_builder_add_initializer(ort_builder *builder, int32_t graph, const ort_tensor *tensor,
                                    char *err, size_t errlen);
int32_t ort_builder_add_sparse_initializer(ort_builder *builder, int32_t graph, const ort_sparse_tensor *tensor,
                                           char *err, size_t errlen);
/* levels[0 .. level_count) describe the type chain (level_count 0 = no
 * type; every level but the last must be a sequence or map, a tensor level
 * must be the last); dims are the dimensions of the last level's shape
 * (requires a tensor level with has_shape; has_dims or dim_count > 0 writes
 * the dim vector). value_info->type_depth is ignored. */
int32_t ort_builder_add_node_arg(ort_builder *builder, int32_t graph, const ort_value_info *value_info,
                                 const ort_type_level *levels, size_t level_count,
                                 const ort_dimension *dims, size_t dim_count, char *err, size_t errlen);
/* Uses every field except attribute_count (attributes: see below). */
int32_t ort_builder_add_node(ort_builder *builder, int32_t graph, const ort_node *node, char *err, size_t errlen);
/* Adds an attribute to node `node` of the graph. Uses every field except
 * has_t and tensor_count: set Attribute.t with ort_builder_set_attribute_tensor
 * and append to Attribute.tensors with ort_builder_add_attribute_tensor.
 * g (-1 = none) and graphs are graph ids of this builder. Returns the
 * attribute index within the node. */
int32_t ort_builder_add_attribute(ort_builder *builder, int32_t graph, int32_t node, const ort_attribute *attribute,
                                  char *err, size_t errlen);
int ort_builder_set_attribute_tensor(ort_builder *builder, int32_t graph, int32_t node, int32_t attribute,
                                     const ort_tensor *tensor, char *err, size_t errlen);
int32_t ort_builder_add_attribute_tensor(ort_builder *builder, int32_t graph, int32_t node, int32_t attribute,
                                         const ort_tensor *tensor, char *err, size_t errlen);
int32_t ort_builder_add_node_edge(ort_builder *builder, int32_t graph, const ort_node_edge *edge,
                                  char *err, size_t errlen);
/* Adds a RuntimeOptimizations record entry (writing the table and its
 * records vector). */
int32_t ort_builder_add_runtime_optimization(ort_builder *builder, int32_t graph,
                                             const ort_runtime_optimization *entry, char *err, size_t errlen);
int32_t ort_builder_add_runtime_optimization_record(ort_builder *builder, int32_t graph, int32_t entry,
                                                    const ort_runtime_optimization_record *record,
                                                    char *err, size_t errlen);

/* Kernel type string resolver entries, written in call order (onnxruntime
 * sorts them by op_id / kernel_type_str but does not depend on the order).
 * Adding an op writes the resolver table and its op vector. */
int32_t ort_builder_add_kernel_type_str_op(ort_builder *builder, const ort_kernel_type_str_op *op,
                                           char *err, size_t errlen);
int32_t ort_builder_add_kernel_type_str_args(ort_builder *builder, int32_t op, const ort_kernel_type_str_args *entry,
                                             const ort_arg_type_and_index *args, size_t arg_count,
                                             char *err, size_t errlen);

/* Checks all cross references, serializes the model with file identifier
 * "ORTM" and verifies the result. Can be called once. */
int ort_builder_finish(ort_builder *builder, char *err, size_t errlen);

/* The finished flatbuffer (owned by the builder). */
int ort_builder_data(const ort_builder *builder, const uint8_t **data, size_t *size, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* ORT_FACADE_H */
