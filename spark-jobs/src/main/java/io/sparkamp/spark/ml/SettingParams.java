package io.sparkamp.spark.ml;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import scala.Function1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Spark ML Params of one stage, made from setting declarations: one typed Param per setting (a
 * {@code FloatParam} for a float setting, ...) with the setting's doc and default, named in camel case,
 * validated by the setting's own validator, so the CLI, config files and the Spark ML surface accept the
 * same values and say the same things. Spark's {@code Params} finds a stage's Params through
 * {@code params()} and {@code getParam(name)}, which the stages answer from here.
 */
final class SettingParams implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, Param<?>> byName = new LinkedHashMap<>();
    private final Map<String, Setting<?>> settings = new LinkedHashMap<>();

    /** The Params of {@code owner} for {@code declarations}, their defaults set on the owner. */
    SettingParams(Params owner, List<Setting<?>> declarations) {
        for (Setting<?> setting : declarations) {
            Param<?> param = param(owner, setting);
            byName.put(param.name(), param);
            settings.put(param.name(), setting);
            if (setting.defaultValue() != null) {
                setDefault(owner, param, setting.defaultValue());
            }
        }
    }

    /** The Param name of a setting key: {@code batch-size} becomes {@code batchSize}. */
    static String paramName(String key) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : key.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }

    /** Every Param, in declaration order. */
    Param<?>[] all() {
        return byName.values().toArray(new Param<?>[0]);
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The Param called {@code name}; the error lists the names there are. */
    @SuppressWarnings("unchecked")
    <T> Param<T> get(String name) {
        Param<?> param = byName.get(name);
        if (param == null) {
            throw new ConfigException("no param named '" + name + "'; the params are " + byName.keySet());
        }
        return (Param<T>) param;
    }

    /** The Param of {@code setting}. */
    <T> Param<T> of(Setting<T> setting) {
        return get(paramName(setting.key()));
    }

    /**
     * The Params the user set on {@code owner}, as {@code key = value} settings whose source names the Param:
     * what the CLI would have read from flags. Defaults are left to the declarations, as the CLI leaves them.
     */
    Settings explicitSettings(Params owner) {
        Settings s = new Settings();
        for (Map.Entry<String, Param<?>> e : byName.entrySet()) {
            if (owner.isSet(e.getValue())) {
                s.set(settings.get(e.getKey()).key(), String.valueOf(owner.getOrDefault(e.getValue())), "param " + e.getKey());
            }
        }
        return s;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void setDefault(Params owner, Param param, Object value) {
        owner.setDefault(param, value);
    }

    private static Param<?> param(Params owner, Setting<?> setting) {
        String name = paramName(setting.key());
        String doc = setting.doc() + (setting.defaultValue() == null && !"—".equals(setting.defaultText())
                ? " (default: " + setting.defaultText() + ")" : "")
                + (setting.validText().isEmpty() ? "" : " (" + setting.validText() + ")");
        switch (setting.type()) {
            case INT:
                return new IntParam(owner, name, doc, validator(owner, name, setting));
            case LONG:
                return new LongParam(owner, name, doc, validator(owner, name, setting));
            case FLOAT:
                return new FloatParam(owner, name, doc, validator(owner, name, setting));
            case BOOLEAN:
                return new BooleanParam(owner, name, doc);
            default:
                return new Param<String>(owner, name, doc, validator(owner, name, setting));
        }
    }

    /** Spark's validator hook: the setting's validator, failing with a message that names the Param and the value. */
    @SuppressWarnings("unchecked")
    private static <T> Function1<T, Object> validator(Params owner, String name, Setting<?> setting) {
        Setting<Object> s = (Setting<Object>) setting;
        String stage = owner.getClass().getSimpleName();
        return (Function1<T, Object> & Serializable) value -> {
            try {
                s.validate(value);
                return true;
            } catch (ConfigException e) {
                throw new ConfigException(stage + " param " + name + ": expected " + s.validText() + ", got " + value);
            }
        };
    }

    /** Names for messages. */
    List<String> names() {
        return new ArrayList<>(byName.keySet());
    }
}
