package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Bf16;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.util.CallBack;
import org.apache.arrow.vector.util.TransferPair;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.ExtensionTypeRegistry;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * The Arrow extension type {@value #NAME}: one bfloat16 value, stored as its 16-bit code in an int16.
 *
 * <p>Why int16 storage and not Float2 (IEEE half): a reader that does not know this extension falls back
 * to the storage type. Over Float2 it would decode bf16 codes as FP16 and get plausible but wrong
 * numbers, silently; over int16 it gets integer codes that nobody mistakes for values, and numpy can
 * reinterpret them ({@code .view(ml_dtypes.bfloat16)}). The extension sits on the element, so a BF16
 * matrix has the same shape of Arrow type as an FP16 one: {@code FixedSizeList<element>}.
 */
public final class Bf16Type extends ArrowType.ExtensionType {
    /** Extension name written to the IPC field metadata. */
    public static final String NAME = "sparkamp.bfloat16";
    public static final Bf16Type INSTANCE = new Bf16Type();
    private static final ArrowType STORAGE = new ArrowType.Int(16, true);

    static {
        // Readers look the name up in the registry while decoding a schema; registering here, once the
        // class is used at all, means every path that builds or reads a BF16 matrix has it.
        ExtensionTypeRegistry.register(INSTANCE);
    }

    private Bf16Type() {
    }

    /** Makes sure the type is registered with Arrow's {@link ExtensionTypeRegistry} (idempotent). */
    public static void register() {
        if (ExtensionTypeRegistry.lookup(NAME) == null) {
            ExtensionTypeRegistry.register(INSTANCE);
        }
    }

    @Override
    public ArrowType storageType() {
        return STORAGE;
    }

    @Override
    public String extensionName() {
        return NAME;
    }

    @Override
    public boolean extensionEquals(ArrowType.ExtensionType other) {
        return other instanceof Bf16Type;
    }

    @Override
    public String serialize() {
        return "";
    }

    @Override
    public ArrowType deserialize(ArrowType storageType, String serializedData) {
        if (!STORAGE.equals(storageType)) {
            throw new IllegalArgumentException(NAME + ": storage must be " + STORAGE + ", got " + storageType);
        }
        return INSTANCE;
    }

    @Override
    public FieldVector getNewVector(String name, FieldType fieldType, BufferAllocator allocator) {
        return new Bf16Vector(new Field(name, fieldType, null), allocator);
    }

    /** A vector of {@link Bf16Type}; {@link #getObject} gives the decoded float, or null for a null slot. */
    public static final class Bf16Vector extends org.apache.arrow.vector.ExtensionTypeVector<SmallIntVector> {
        private final Field field;

        /** A vector for {@code field}, whose type must be {@link Bf16Type}. */
        public Bf16Vector(Field field, BufferAllocator allocator) {
            super(field, allocator, new SmallIntVector(field.getName(), allocator));
            if (!(field.getType() instanceof Bf16Type)) {
                throw new IllegalArgumentException("field '" + field.getName() + "' must have type " + NAME + ", got " + field.getType());
            }
            this.field = field;
        }

        @Override
        public Float getObject(int index) {
            return isNull(index) ? null : Bf16.toFloat(getUnderlyingVector().get(index));
        }

        @Override
        public int hashCode(int index) {
            return getUnderlyingVector().hashCode(index);
        }

        @Override
        public int hashCode(int index, org.apache.arrow.memory.util.hash.ArrowBufHasher hasher) {
            return getUnderlyingVector().hashCode(index, hasher);
        }

        @Override
        public Field getField() {
            return field;
        }

        // ExtensionTypeVector hands transfers to the storage vector, which then casts the target to its own
        // class (SmallIntVector) and fails inside a FixedSizeList transfer. These keep both ends Bf16Vector.
        @Override
        public TransferPair makeTransferPair(ValueVector target) {
            if (!(target instanceof Bf16Vector)) {
                throw new IllegalArgumentException("cannot transfer " + NAME + " vector '" + getName() + "' into a "
                        + target.getClass().getSimpleName());
            }
            Bf16Vector to = (Bf16Vector) target;
            TransferPair storage = getUnderlyingVector().makeTransferPair(to.getUnderlyingVector());
            return new TransferPair() {
                @Override
                public void transfer() {
                    storage.transfer();
                }

                @Override
                public void splitAndTransfer(int startIndex, int length) {
                    storage.splitAndTransfer(startIndex, length);
                }

                @Override
                public ValueVector getTo() {
                    return to;
                }

                @Override
                public void copyValueSafe(int from, int toIndex) {
                    storage.copyValueSafe(from, toIndex);
                }
            };
        }

        @Override
        public TransferPair getTransferPair(Field targetField, BufferAllocator allocator) {
            return makeTransferPair(new Bf16Vector(targetField, allocator));
        }

        @Override
        public TransferPair getTransferPair(Field targetField, BufferAllocator allocator, CallBack callBack) {
            return getTransferPair(targetField, allocator);
        }

        @Override
        public TransferPair getTransferPair(String ref, BufferAllocator allocator) {
            return getTransferPair(new Field(ref, field.getFieldType(), null), allocator);
        }

        @Override
        public TransferPair getTransferPair(String ref, BufferAllocator allocator, CallBack callBack) {
            return getTransferPair(ref, allocator);
        }

        @Override
        public TransferPair getTransferPair(BufferAllocator allocator) {
            return getTransferPair(field, allocator);
        }
    }
}
