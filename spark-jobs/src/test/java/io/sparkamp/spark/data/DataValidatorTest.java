package io.sparkamp.spark.data;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkamp.core.config.ConfigException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class DataValidatorTest extends SparkDataTestBase {
    private static final StructType SCHEMA = new StructType()
            .add("label", DataTypes.FloatType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, true));
    private static final int ROWS = 300;
    private static final int FEATURES = 4;
    private static final ValidationRules TEN_CLASSES = ValidationRules.classification(10);

    @TempDir
    Path tmp;

    /** 300 valid rows: label i % 10, features [i, i + 1, i + 2, i + 3] / 100. */
    private static List<Row> validRows() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(row((float) (i % 10), i / 100f, (i + 1) / 100f, (i + 2) / 100f, (i + 3) / 100f));
        }
        return rows;
    }

    private static Row row(Float label, Float... features) {
        return RowFactory.create(label, features == null ? null : java.util.Arrays.asList(features));
    }

    /** The rows as a table in two partitions (rows 0-149 and 150-299), as a local[2] scan gives them. */
    private TrainingTable table(List<Row> rows) {
        Dataset<Row> df = spark().createDataFrame(rows, SCHEMA);
        if (!rows.isEmpty()) {
            assertEquals(2, df.rdd().getNumPartitions());
        }
        return new TrainingTable(df, FEATURES, rows.size(), "parquet data/test", "y", List.of("pixels"), false);
    }

    private DataValidationException invalid(List<Row> rows, ValidationRules rules) {
        return assertThrows(DataValidationException.class, () -> DataValidator.validate(table(rows), FEATURES, rules));
    }

    @Test
    public void validRowsPass() {
        DataValidator.validate(table(validRows()), FEATURES, TEN_CLASSES);
        DataValidator.validate(table(validRows()), FEATURES, ValidationRules.finiteLabels());
    }

    @Test
    public void emptyDatasetFails() {
        DataValidationException e = invalid(List.of(), TEN_CLASSES);
        assertThat(e.getMessage(), containsString("parquet data/test (0 rows)"));
        assertThat(e.getMessage(), containsString("the dataset has no rows"));
        assertThat(e, org.hamcrest.CoreMatchers.instanceOf(ConfigException.class));
    }

    @Test
    public void nullLabelsCountedAcrossPartitions() {
        List<Row> rows = validRows();
        rows.set(160, row(null, 1f, 2f, 3f, 4f));
        rows.set(170, row(null, 1f, 2f, 3f, 4f));
        DataValidationException e = invalid(rows, TEN_CLASSES);
        assertEquals(1, e.problems().size());
        assertThat(e.getMessage(), containsString("invalid training data in parquet data/test (300 rows)"));
        assertThat(e.getMessage(), containsString("column 'y' (label): 2 rows are null; first at row 160: null"));
    }

    @Test
    public void nonFiniteLabels() {
        List<Row> rows = validRows();
        rows.set(220, row(Float.NaN, 1f, 2f, 3f, 4f));
        rows.set(5, row(Float.POSITIVE_INFINITY, 1f, 2f, 3f, 4f));
        DataValidationException e = invalid(rows, ValidationRules.finiteLabels());
        assertThat(e.getMessage(), containsString("column 'y' (label): 2 rows are NaN or infinite; first at row 5: Infinity"));
    }

    @Test
    public void labelsThatAreNotClassIndices() {
        List<Row> rows = validRows();
        rows.set(151, row(10f, 1f, 2f, 3f, 4f));
        rows.set(290, row(2.5f, 1f, 2f, 3f, 4f));
        rows.set(299, row(-1f, 1f, 2f, 3f, 4f));
        DataValidationException e = invalid(rows, TEN_CLASSES);
        assertThat(e.getMessage(), containsString("column 'y' (label): 3 rows are not class indices"
                + " (expected integers in [0, 10)); first at row 151: 10.0"));
        DataValidator.Problem p = e.problems().get(0);
        assertEquals(DataValidator.Check.NOT_A_CLASS, p.check());
        assertEquals(3, p.badRows());
        assertEquals(151, p.firstRow());
    }

    @Test
    public void binaryCrossEntropyLabelsOutsideUnitInterval() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(row(i % 2 == 0 ? 0f : 0.75f, 0f, 0f, 0f, 0f));
        }
        rows.set(42, row(1.5f, 0f, 0f, 0f, 0f));
        DataValidationException e = invalid(rows, ValidationRules.binaryCrossEntropy());
        assertThat(e.getMessage(), containsString("column 'y' (label): 1 row is outside [0, 1] (binary cross-entropy targets)"));
        assertThat(e.getMessage(), containsString("first at row 42: 1.5"));
    }

    @Test
    public void nullFeatureArraysAndNullElements() {
        List<Row> rows = validRows();
        rows.set(250, row(1f, 1f, 2f, null, 4f));
        DataValidationException element = invalid(rows, TEN_CLASSES);
        assertThat(element.getMessage(),
                containsString("column 'pixels' (features): 1 row has null features; first at row 250, 'pixels' element 2: null"));

        rows.set(7, RowFactory.create(1f, null));
        DataValidationException whole = invalid(rows, TEN_CLASSES);
        assertThat(whole.getMessage(), containsString("2 rows have null features; first at row 7: null"));
    }

    @Test
    public void featureArraysOfTheWrongLength() {
        List<Row> rows = validRows();
        rows.set(180, row(1f, 1f, 2f, 3f));
        rows.set(181, row(1f, 1f, 2f, 3f, 4f, 5f));
        DataValidationException e = invalid(rows, TEN_CLASSES);
        assertThat(e.getMessage(), containsString("column 'pixels' (features): 2 rows have the wrong number of features"
                + " (expected 4, the model's input size); first at row 180: 3 values"));
    }

    @Test
    public void nonFiniteFeatureValuesNameTheElement() {
        List<Row> rows = validRows();
        rows.set(200, row(1f, 1f, 2f, 3f, Float.NEGATIVE_INFINITY));
        rows.set(155, row(1f, 1f, Float.NaN, 3f, 4f));
        DataValidationException e = invalid(rows, TEN_CLASSES);
        assertThat(e.getMessage(), containsString("column 'pixels' (features): 2 rows hold NaN or infinite feature values;"
                + " first at row 155, 'pixels' element 1: NaN"));

        List<Row> onlyInf = validRows();
        onlyInf.set(200, row(1f, 1f, 2f, 3f, Float.NEGATIVE_INFINITY));
        assertThat(invalid(onlyInf, TEN_CLASSES).getMessage(), containsString("first at row 200, 'pixels' element 3: -Infinity"));
    }

    @Test
    public void assembledFeaturesNameTheSourceColumn() {
        List<Row> rows = validRows();
        rows.set(3, row(1f, 1f, 2f, Float.POSITIVE_INFINITY, 4f));
        TrainingTable t = new TrainingTable(spark().createDataFrame(rows, SCHEMA), FEATURES, ROWS, "csv in.csv", "y",
                List.of("a", "b", "c", "d"), true);
        DataValidationException e = assertThrows(DataValidationException.class,
                () -> DataValidator.validate(t, FEATURES, TEN_CLASSES));
        assertThat(e.getMessage(), containsString("columns [a, b, c, d] (features): 1 row holds NaN or infinite feature values;"
                + " first at row 3, 'c' (feature 2): Infinity"));
    }

    @Test
    public void everyBrokenRuleIsReported() {
        List<Row> rows = validRows();
        rows.set(10, row(12f, 1f, 2f, 3f, 4f));
        rows.set(20, row(1f, 1f, Float.NaN, 3f, 4f));
        DataValidationException e = invalid(rows, TEN_CLASSES);
        assertEquals(List.of(DataValidator.Check.NOT_A_CLASS, DataValidator.Check.NON_FINITE_FEATURES),
                e.problems().stream().map(DataValidator.Problem::check).toList());
    }

    @Test
    public void rowIndexOfAFileIsItsDataLineAndTheFileIsNamed() throws Exception {
        File csv = newFile(tmp, "train.csv");
        Files.writeString(csv.toPath(), "f1,f2,y\n0.1,0.2,1\n0.3,0.4,2\n0.5,0.6,0\n0.7,0.8,12\n0.9,1.0,3\n",
                StandardCharsets.UTF_8);
        TrainingTable t = DatasetReader.read(spark(), DataSpec.of(csv.getPath(), DataSpec.Format.CSV)
                .withLabelCol("y").withFeatureCols(List.of("f1", "f2")));
        DataValidationException e = assertThrows(DataValidationException.class,
                () -> DataValidator.validate(t, 2, TEN_CLASSES));
        assertThat(e.getMessage(), containsString("invalid training data in csv " + csv.getPath() + " (5 rows)"));
        assertThat(e.getMessage(), containsString("column 'y' (label): 1 row is not a class index"));
        assertThat(e.getMessage(), containsString("first at row 3 of file://" + csv.getPath() + ": 12.0"));
    }
}
