-- Release 1.1.0: prices, orders, and a trigger (a DELIMITER block).
ALTER TABLE lr_items ADD COLUMN price DECIMAL(10,2) NOT NULL DEFAULT 0;

CREATE TABLE lr_orders (
  id INT NOT NULL PRIMARY KEY,
  item_id INT NOT NULL,
  CONSTRAINT fk_lr_orders_item FOREIGN KEY (item_id) REFERENCES lr_items (id)
);

DELIMITER //
CREATE TRIGGER lr_items_price BEFORE INSERT ON lr_items FOR EACH ROW
BEGIN
  IF NEW.price < 0 THEN SET NEW.price = 0; END IF;
END//
DELIMITER ;
