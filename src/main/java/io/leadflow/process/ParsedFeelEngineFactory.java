package io.leadflow.process;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.camunda.bpm.dmn.feel.impl.FeelEngine;
import org.camunda.bpm.dmn.feel.impl.FeelEngineFactory;
import org.camunda.bpm.dmn.feel.impl.scala.ContextVariableWrapper;
import org.camunda.bpm.dmn.feel.impl.scala.ScalaFeelEngine;
import org.camunda.bpm.engine.variable.context.VariableContext;
import org.camunda.feel.context.CustomContext;
import org.camunda.feel.context.VariableProvider;
import org.camunda.feel.syntaxtree.ParsedExpression;

import camundajar.impl.scala.runtime.BoxesRunTime;
import camundajar.impl.scala.util.Either;
import camundajar.impl.scala.util.Left;
import camundajar.impl.scala.util.Right;

/**
 * Camunda's FEEL engine, parsing each expression once. The stock engine parses every input entry, input expression
 * and output entry again at each evaluation: for our scoring tables that parsing was two thirds of a decision's
 * time. This engine keeps the parsed form by the expression's text and evaluates it exactly as the stock one does
 * after its own parse (same value mappers, functions, contexts and errors), so a decision's result cannot differ.
 * A parsed expression is immutable, so one cache serves every thread; past {@link #LIMIT} expressions (candidate
 * tables of many backtests) it starts afresh, so memory stays bounded.
 */
public final class ParsedFeelEngineFactory implements FeelEngineFactory {

    static final int LIMIT = 20_000;

    @Override
    public FeelEngine createInstance() {
        return new ParsingOnce();
    }

    static final class ParsingOnce extends ScalaFeelEngine {

        private final Map<String, Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression>> expressions =
                new ConcurrentHashMap<>();
        private final Map<String, Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression>> unaryTests =
                new ConcurrentHashMap<>();

        ParsingOnce() {
            super(List.of());
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T evaluateSimpleExpression(String expression, VariableContext variables) {
            CustomContext context = new CustomContext() {
                @Override
                public VariableProvider variableProvider() {
                    return new ContextVariableWrapper(variables);
                }
            };
            ParsedExpression parsed = parsed(expressions, expression, feelEngine::parseExpression);
            return (T) valueOf(feelEngine.eval(parsed, context));
        }

        @Override
        public boolean evaluateSimpleUnaryTests(String expression, String inputVariable, VariableContext variables) {
            VariableProvider.StaticVariableProvider input = new VariableProvider.StaticVariableProvider(
                    new camundajar.impl.scala.collection.immutable.Map.Map1<>(INPUT_VARIABLE_NAME, inputVariable));
            ContextVariableWrapper wrapper = new ContextVariableWrapper(variables);
            CustomContext context = new CustomContext() {
                @Override
                public VariableProvider variableProvider() {
                    return new VariableProvider.CompositeVariableProvider(toScalaList(input, wrapper));
                }
            };
            ParsedExpression parsed = parsed(unaryTests, expression, feelEngine::parseUnaryTests);
            return BoxesRunTime.unboxToBoolean(valueOf(feelEngine.eval(parsed, context)));
        }

        /** How many parsed expressions and unary tests are kept. */
        int cachedExpressions() {
            return expressions.size() + unaryTests.size();
        }

        private static ParsedExpression parsed(
                Map<String, Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression>> cache, String expression,
                Function<String, Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression>> parse) {
            Either<org.camunda.feel.FeelEngine.Failure, ParsedExpression> known = cache.get(expression);
            if (known == null) {
                if (cache.size() >= LIMIT) {
                    cache.clear();
                }
                known = cache.computeIfAbsent(expression, parse);
            }
            return (ParsedExpression) valueOf(known);
        }

        /** The value of a result, or the stock engine's exception with the FEEL engine's message. */
        private static Object valueOf(Either<org.camunda.feel.FeelEngine.Failure, ?> result) {
            if (result instanceof Right<?, ?> right) {
                return right.value();
            }
            throw LOGGER.evaluationException(((Left<org.camunda.feel.FeelEngine.Failure, ?>) result).value().message());
        }
    }
}
