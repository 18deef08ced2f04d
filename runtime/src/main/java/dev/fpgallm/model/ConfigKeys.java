package dev.fpgallm.model;

import dev.fpgallm.UserError;
import java.util.Map;

/**
 * Typed access to config.json's keys, strict as Hugging Face writes them: an integer is a JSON integer, a flag a
 * JSON boolean; a key present with another type, or as null, is an error naming the file and the key. Some keys
 * have the generic aliases Hugging Face's GPT2Config maps (hidden_size for n_embd, ...): either may be given, not
 * two different values.
 */
final class ConfigKeys {
    private final String file;
    private final Map<String, Object> m;

    ConfigKeys(String file, Map<String, Object> m) {
        this.file = file;
        this.m = m;
    }

    /** An integer that fits an int, from {@code key} or its {@code alias}; {@code fallback} when both are absent. */
    int integer(String key, String alias, int fallback) {
        Long v = optionalInteger(key), a = alias == null ? null : optionalInteger(alias);
        if (v != null && a != null && !v.equals(a))
            throw new UserError(file + ": " + key + " " + v + " and its alias " + alias + " " + a + " disagree");
        Long value = v != null ? v : a;
        if (value == null) {
            if (m.containsKey(key) || (alias != null && m.containsKey(alias))) throw nullValue(m.containsKey(key) ? key : alias);
            return fallback;
        }
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE)
            throw new UserError(file + ": " + (v != null ? key : alias) + " " + value + " is out of range");
        return (int) (long) value;
    }

    /** An integer, or null when the key is absent or null (n_inner: null means 4 x n_embd). */
    Long optionalInteger(String key) {
        Object v = m.get(key);
        if (v == null || v instanceof Long) return (Long) v;
        throw new UserError(file + ": " + key + " must be an integer, got " + describe(v));
    }

    double number(String key, double fallback) {
        Object v = value(key, fallback, "a number", Long.class, Double.class);
        return ((Number) v).doubleValue();
    }

    String string(String key, String fallback) {
        return (String) value(key, fallback, "a string", String.class);
    }

    boolean flag(String key, boolean fallback) {
        return (Boolean) value(key, fallback, "true or false", Boolean.class);
    }

    /** The key's value if it has one of {@code types}; {@code fallback} when absent; else an error saying {@code what}. */
    private Object value(String key, Object fallback, String what, Class<?>... types) {
        if (!m.containsKey(key)) return fallback;
        Object v = m.get(key);
        if (v == null) throw nullValue(key);
        for (Class<?> t : types) if (t.isInstance(v)) return v;
        throw new UserError(file + ": " + key + " must be " + what + ", got " + describe(v));
    }

    /** A flag that changes the computation: only GPT-2's own value ({@code required}) is supported. */
    void requireFlag(String key, boolean required, String gpt2) {
        if (flag(key, required) != required)
            throw new UserError(file + ": " + key + " " + !required + " is not supported (fpga-llm computes GPT-2: "
                    + gpt2 + ")");
    }

    private UserError nullValue(String key) {
        return new UserError(file + ": " + key + " is null; give a value (or leave the key out for GPT-2's default)");
    }

    private static String describe(Object v) {
        String s = v instanceof String str ? "the string \"" + str + "\"" : String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
