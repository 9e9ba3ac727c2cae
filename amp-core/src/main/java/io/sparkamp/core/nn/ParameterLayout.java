package io.sparkamp.core.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where every parameter tensor of a model lives inside one flat FP32 buffer (as DeepSpeed and Megatron
 * do): broadcast, aggregation, the optimizer and checkpoints each work on a single array.
 */
public final class ParameterLayout {
    private final List<ParamView> views;
    private final int totalSize;

    public ParameterLayout(List<ParamView> views) {
        List<ParamView> copy = new ArrayList<>(views);
        int expectedOffset = 0;
        for (ParamView view : copy) {
            if (view.offset() != expectedOffset) {
                throw new IllegalArgumentException("parameter " + view.name() + " starts at " + view.offset()
                        + ", expected " + expectedOffset + " (views must be contiguous and in order)");
            }
            expectedOffset += view.size();
        }
        this.views = Collections.unmodifiableList(copy);
        this.totalSize = expectedOffset;
    }

    /** All views in buffer order. */
    public List<ParamView> views() {
        return views;
    }

    /** Length of the flat buffer. */
    public int totalSize() {
        return totalSize;
    }

    /** The view called {@code name}; the error lists the names there are. */
    public ParamView view(String name) {
        for (ParamView view : views) {
            if (view.name().equals(name)) {
                return view;
            }
        }
        List<String> names = new ArrayList<>();
        views.forEach(v -> names.add(v.name()));
        throw new IllegalArgumentException("no parameter named '" + name + "'; the model has " + names);
    }
}
