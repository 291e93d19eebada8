#pragma once
// Internal to the network parser and shape inference: which layer keys apply to which op, and
// how a layer is named in error messages.

#include <cstddef>
#include <string>

#include "quasar/models/net/network.h"
#include "quasar/models/spec/yaml_reader.h"

namespace quasar::models {

// "layers[3:conv2]": the list index (as in the file) and the layer's name.
std::string LayerKey(size_t index, const std::string& name);

// Records an error for every key of a layer mapping that is unknown, or known but not
// applicable to `op` ("stride does not apply to fully_connected").
void CheckLayerKeys(const MapReader& m, NetOp op);

}  // namespace quasar::models
