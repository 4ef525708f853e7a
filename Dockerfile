# One image for every VisionFlow service; the Deployment's args pick the service.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 YOLO_OFFLINE=1 YOLO_AUTOINSTALL=false
WORKDIR /app
COPY requirements.lock requirements-nodeps.txt ./
RUN pip install -r requirements.lock && pip install --no-deps -r requirements-nodeps.txt
COPY visionflow ./visionflow
COPY services ./services
COPY protos ./protos
USER 65532:65532
CMD ["python", "-m", "visionflow.launcher"]
