# Build: the Maven wrapper in a JDK image; run: a JRE image with the jar and the ops-owned routes/.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app gateway
WORKDIR /app
COPY --from=build /src/target/inbox-gateway-*.jar app.jar
# Routes stay files so ops can mount their own folder over /app/routes (gateway.routes-dir).
COPY routes routes
USER gateway
EXPOSE 8080 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=40s --retries=5 \
  CMD curl -fsS http://localhost:8080/actuator/health || exit 1
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
